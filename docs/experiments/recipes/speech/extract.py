import csv, sys, time, numpy as np, soundfile as sf, torch
torch.set_num_threads(1)
from affectkit.speech import encoder as E, augment as A
from affectkit.speech.vad import speech_segments, SileroVAD
root='../shared/data/speech/ravdess/'
rows=list(csv.DictReader(open(root+'labels.csv')))
copies=int(sys.argv[1]); out=sys.argv[2]
m=E.load_encoder(); v=SileroVAD(); rng=np.random.default_rng(0)
feats=[[] for _ in range(copies+1)]; t0=time.time()
for i,r in enumerate(rows):
    a,_=sf.read(root+r['file'],dtype='float32')
    seg=speech_segments(a,vad=v)
    if seg: a=a[int(seg[0].start*16000):int(seg[-1].end*16000)]
    for c in range(copies+1):
        x = a if c==0 else A.augment(a,rng)
        with torch.no_grad(): hs=m(torch.from_numpy(E.log_mel(x))[None])
        feats[c].append(torch.stack([h[0] for h in hs],1).numpy().astype(np.float16))  # [T,5,384]
    if i%100==0: print(i, time.time()-t0, flush=True)
import pickle
pickle.dump({'rows':rows,'feats':feats}, open(out,'wb'), protocol=4)
print('done', time.time()-t0)

import csv, time, numpy as np, soundfile as sf, torch
torch.set_num_threads(1)
from affectkit.speech import encoder as E
from affectkit.speech.vad import speech_segments, SileroVAD
root='../shared/data/speech/ravdess/'
rows=list(csv.DictReader(open(root+'labels.csv')))
m=E.load_encoder(); v=SileroVAD(); out=[]; t0=time.time()
for i,r in enumerate(rows):
    a,_=sf.read(root+r['file'],dtype='float32')
    seg=speech_segments(a,vad=v)
    if seg: a=a[int(seg[0].start*16000):int(seg[-1].end*16000)]
    pad=np.zeros(480000,np.float32); pad[:len(a)]=a
    n=len(a)//320
    with torch.no_grad(): hs=m(torch.from_numpy(E.log_mel(pad))[None])
    x=torch.stack([h[0,:n] for h in hs],1).numpy()  # n,5,384
    out.append(np.concatenate([x.mean(0).ravel(), x.std(0).ravel()]))
    if i%100==0: print(i,time.time()-t0,flush=True)
np.save('/tmp/exp/padded.npy',np.stack(out))

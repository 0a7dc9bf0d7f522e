import pickle, numpy as np, csv, soundfile as sf
from scipy.fft import dct
from affectkit.speech.encoder import log_mel
from affectkit.speech import speakers as S
import importlib
d=pickle.load(open('/tmp/exp/feats.pkl','rb')); rows=d['rows']; F=d['feats'][0]
actor=np.array([int(r['actor']) for r in rows]); root='../shared/data/speech/ravdess/'
rng=np.random.default_rng(0)
mels={}
def emb(i,kind):
    if kind.startswith('L'): l=int(kind[1]); return F[i][:,l].astype(np.float32).mean(0)
    if i not in mels:
        a,_=sf.read(root+rows[i]['file'],dtype='float32'); m=log_mel(a)
        e=m.max(0); m=m[:, e>e.max()-1.5]  # loud frames
        mels[i]=m
    m=mels[i]
    if kind=='mel': return np.concatenate([m.mean(1), m.std(1)])
    if kind=='mfcc': c=dct(m,axis=0,norm='ortho')[1:20]; return np.concatenate([c.mean(1), c.std(1)])
def acc(kind, trials=60):
    ok=[]
    for t in range(trials):
        a,b=rng.choice(np.arange(1,19),2,replace=False)
        ia=rng.choice(np.where(actor==a)[0],8,replace=False); ib=rng.choice(np.where(actor==b)[0],8,replace=False)
        idx=np.concatenate([ia,ib]); truth=np.array([0]*8+[1]*8)
        lab=np.array(S.cluster([emb(i,kind) for i in idx]))
        ok.append(max((lab==truth).mean(), (lab!=truth).mean()))
        # same-gender?
    return np.mean(ok), np.mean(np.array(ok)==1)

def emb2(i,kind):
    x=F[i].astype(np.float32)
    if kind=='L1ms': return np.concatenate([x[:,1].mean(0), x[:,1].std(0)])
    if kind=='L12': return np.concatenate([x[:,1].mean(0), x[:,2].mean(0)])
    if kind=='L2': return x[:,2].mean(0)
    if kind=='L3': return x[:,3].mean(0)
emb_old=emb
emb=lambda i,k: emb2(i,k) if k in ('L1ms','L12','L2','L3') else emb_old(i,k)
for k in ('L1ms','L12','L2','L3'): print(k, acc(k))

import pickle, sys, numpy as np, time, torch, json
from torch import nn
from sklearn.metrics import recall_score
torch.set_num_threads(1); torch.manual_seed(0)
d=pickle.load(open('/tmp/exp/feats.pkl','rb')); rows=d['rows']; F=d['feats']
labels=sorted(set(r['label'] for r in rows)); y=np.array([labels.index(r['label']) for r in rows]); actor=np.array([int(r['actor']) for r in rows])
fold=(actor-1)//3
cfg=dict(layers=[1,2,3,4], hid=256, drop=0.3, epochs=int(sys.argv[1]) if len(sys.argv)>1 else 25, lr=1e-3, wd=1e-2, crop=150, ls=0.1, copies=3)
if len(sys.argv)>2: cfg.update(json.loads(sys.argv[2]))
L=cfg['layers']
class Head(nn.Module):
    def __init__(s):
        super().__init__()
        s.w=nn.Parameter(torch.zeros(len(L)))
        s.norm=nn.LayerNorm(384)
        s.proj=nn.Sequential(nn.Linear(384,cfg['hid']),nn.GELU(),nn.Dropout(cfg['drop']))
        s.att=nn.Linear(cfg['hid'],1)
        s.out=nn.Sequential(nn.Dropout(cfg['drop']),nn.Linear(2*cfg['hid'],8))
    def forward(s,x,mask):  # x B,T,L,H ; mask B,T
        x=(x*torch.softmax(s.w,0)[None,None,:,None]).sum(2)
        h=s.proj(s.norm(x))
        a=s.att(h).squeeze(-1).masked_fill(~mask,-1e9); a=torch.softmax(a,1)[...,None]
        mu=(a*h).sum(1); sd=((a*(h-mu[:,None])**2).sum(1)+1e-5).sqrt()
        return s.out(torch.cat([mu,sd],1))
def batchify(items, crop, rng):
    T=max(min(len(f),crop) if crop else len(f) for f in items)
    X=np.zeros((len(items),T,len(L),384),np.float32); M=np.zeros((len(items),T),bool)
    for i,f in enumerate(items):
        if crop and len(f)>crop:
            s=rng.integers(0,len(f)-crop+1); f=f[s:s+crop]
        X[i,:len(f)]=f[:,L]; M[i,:len(f)]=True
    return torch.from_numpy(X), torch.from_numpy(M)
def train(tr_idx, te_idx, rng):
    model=Head(); opt=torch.optim.AdamW(model.parameters(),lr=cfg['lr'],weight_decay=cfg['wd'])
    items=[(c,i) for c in range(cfg['copies']+1) for i in tr_idx]
    steps=cfg['epochs']*((len(items)+31)//32); sched=torch.optim.lr_scheduler.OneCycleLR(opt,cfg['lr'],total_steps=steps,pct_start=0.1)
    lossf=nn.CrossEntropyLoss(label_smoothing=cfg['ls'])
    for ep in range(cfg['epochs']):
        model.train(); perm=rng.permutation(len(items))
        for b in range(0,len(perm),32):
            idx=[items[j] for j in perm[b:b+32]]
            X,M=batchify([F[c][i] for c,i in idx],cfg['crop'],rng)
            loss=lossf(model(X,M),torch.tensor([y[i] for c,i in idx]))
            opt.zero_grad(); loss.backward(); opt.step(); sched.step()
    model.eval(); out=[]
    with torch.no_grad():
        for b in range(0,len(te_idx),64):
            X,M=batchify([F[0][i] for i in te_idx[b:b+64]],None,rng); out.append(model(X,M))
    return torch.cat(out).numpy()
rng=np.random.default_rng(0); logits=np.zeros((len(y),8)); t=time.time()
for k in range(6):
    tr=np.where(fold!=k)[0]; te=np.where(fold==k)[0]
    logits[te]=train(tr,te,rng)
    print(k, round(recall_score(y[te],logits[te].argmax(1),average='macro'),3), round(time.time()-t), flush=True)
print(cfg, 'UAR', round(recall_score(y,logits.argmax(1),average='macro'),4), 'acc', round((logits.argmax(1)==y).mean(),4))
np.save('/tmp/exp/logits_%s.npy'%abs(hash(json.dumps(cfg))), logits)

import pickle, sys, json, time, numpy as np, torch, copy
from torch import nn
from sklearn.metrics import recall_score
torch.set_num_threads(1); torch.manual_seed(0)
from affectkit.speech.encoder import load_encoder
cfg=dict(epochs=8, lr=3e-5, hlr=1e-3, wd=0.01, bs=16, ls=0.1, drop=0.2, folds=[0,4], train_from=2)
if len(sys.argv)>1: cfg.update(json.loads(sys.argv[1]))
d=pickle.load(open('/tmp/exp/feats.pkl','rb')); rows=d['rows']; F=d['feats']
labels=sorted(set(r['label'] for r in rows)); y=np.array([labels.index(r['label']) for r in rows]); actor=np.array([int(r['actor']) for r in rows])
fold=(actor-1)//3
enc=load_encoder()
S=cfg['train_from']  # cached hidden state index fed to layers[S:]
def pooled_frozen(f): 
    x=f[:,1:S+1].astype(np.float32); return np.concatenate([x.mean(0).ravel(), x.std(0).ravel()])
class M(nn.Module):
    def __init__(s, mu, sd):
        super().__init__()
        s.layers=copy.deepcopy(enc.layers[S:]); s.norm=copy.deepcopy(enc.norm)
        s.register_buffer('mu',torch.from_numpy(mu)); s.register_buffer('sd',torch.from_numpy(sd))
        s.drop=nn.Dropout(cfg['drop']); s.lin=nn.Linear(len(mu),8)
    def forward(s, x, mask, frozen):  # x [B,T,384] = hidden S
        states=[]
        m=mask[:,None,None,:]
        for i,l in enumerate(s.layers):
            x=l(x,m); states.append(s.norm(x) if i==len(s.layers)-1 else x)
        w=mask.float()[...,None]; w=w/w.sum(1,keepdim=True)
        feats=[frozen]
        for h in states:
            mu=(w*h).sum(1); sd=((w*(h-mu[:,None])**2).sum(1)+1e-5).sqrt(); feats.append(mu); feats.append(sd)
        # order: frozen(mean..,std..) then per-layer mean,std -- consistent within this script
        z=torch.cat(feats,1)
        return s.lin(s.drop((z-s.mu)/s.sd))
def batch(idx, copies):
    T=max(len(F[c][i]) for c,i in zip(copies,idx)); B=len(idx)
    X=np.zeros((B,T,384),np.float32); Mk=np.zeros((B,T),bool); Fz=[]
    for b,(c,i) in enumerate(zip(copies,idx)):
        f=F[c][i]; X[b,:len(f)]=f[:,S]; Mk[b,:len(f)]=True; Fz.append(pooled_frozen(f))
    return torch.from_numpy(X), torch.from_numpy(Mk), torch.from_numpy(np.stack(Fz))
def stats(idx):
    Z=[]
    with torch.no_grad():
        for b in range(0,len(idx),32):
            X,Mk,Fz=batch(idx[b:b+32],[0]*len(idx[b:b+32]))
            m=M(np.zeros(1,np.float32),np.ones(1,np.float32))
            # compute raw pooled z without normalisation
            x=X; states=[]; mm=Mk[:,None,None,:]
            for i,l in enumerate(m.layers):
                x=l(x,mm); states.append(m.norm(x) if i==len(m.layers)-1 else x)
            w=Mk.float()[...,None]; w=w/w.sum(1,keepdim=True); feats=[Fz]
            for h in states:
                mu=(w*h).sum(1); sd=((w*(h-mu[:,None])**2).sum(1)+1e-5).sqrt(); feats+= [mu,sd]
            Z.append(torch.cat(feats,1).numpy())
    Z=np.concatenate(Z); return Z.mean(0).astype(np.float32), (Z.std(0)+1e-5).astype(np.float32)
rng=np.random.default_rng(0)
res={}
for k in cfg['folds']:
    t=time.time()
    tr=np.where(fold!=k)[0]; te=np.where(fold==k)[0]
    mu,sd=stats(tr)
    model=M(mu,sd)
    opt=torch.optim.AdamW([{'params':model.layers.parameters(),'lr':cfg['lr']},{'params':model.norm.parameters(),'lr':cfg['lr']},{'params':model.lin.parameters(),'lr':cfg['hlr']}],weight_decay=cfg['wd'])
    steps=cfg['epochs']*((len(tr)+cfg['bs']-1)//cfg['bs'])
    sch=torch.optim.lr_scheduler.OneCycleLR(opt,[cfg['lr'],cfg['lr'],cfg['hlr']],total_steps=steps,pct_start=0.1)
    lossf=nn.CrossEntropyLoss(label_smoothing=cfg['ls'])
    for ep in range(cfg['epochs']):
        model.train(); perm=rng.permutation(tr)
        for b in range(0,len(perm),cfg['bs']):
            idx=perm[b:b+cfg['bs']]; cp=rng.integers(0,len(F),len(idx))
            X,Mk,Fz=batch(idx,cp)
            loss=lossf(model(X,Mk,Fz),torch.from_numpy(y[idx]))
            opt.zero_grad(); loss.backward(); opt.step(); sch.step()
        model.eval(); P=[]
        with torch.no_grad():
            for b in range(0,len(te),32):
                X,Mk,Fz=batch(te[b:b+32],[0]*len(te[b:b+32])); P.append(model(X,Mk,Fz).numpy())
        P=np.concatenate(P)
        print(k, ep, round(recall_score(y[te],P.argmax(1),average='macro'),3), round(time.time()-t), flush=True)
    res[k]=P
print(cfg)

import pickle, numpy as np, sys
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler
from sklearn.metrics import recall_score
from joblib import Parallel, delayed
d=pickle.load(open('/tmp/exp/feats.pkl','rb')); rows=d['rows']; F=d['feats']
labels=sorted(set(r['label'] for r in rows)); y=np.array([labels.index(r['label']) for r in rows]); actor=np.array([int(r['actor']) for r in rows])
fold=(actor-1)//3
def feat(f, kind):
    x=f[:,[1,2,3,4],:].astype(np.float32)
    parts=[x.mean(0).ravel(), x.std(0).ravel()]
    if 'max' in kind: parts.append(x.max(0).ravel())
    if 'delta' in kind:
        dx=np.diff(x,axis=0); parts.append(np.abs(dx).mean(0).ravel())
    if 'l0' in kind:
        x0=f[:,0,:].astype(np.float32); parts+= [x0.mean(0), x0.std(0)]
    if 'q' in kind:
        parts += [np.percentile(x,10,axis=0).ravel(), np.percentile(x,90,axis=0).ravel()]
    return np.concatenate(parts)
def run(kind, C, copies):
    X=[np.stack([feat(f,kind) for f in F[c]]) for c in range(copies+1)]
    P=np.zeros((len(y),8))
    for k in range(6):
        tr=fold!=k; te=fold==k
        Xtr=np.concatenate([Xc[tr] for Xc in X]); ytr=np.concatenate([y[tr]]*len(X))
        sc=StandardScaler().fit(Xtr)
        clf=LogisticRegression(C=C,max_iter=3000).fit(sc.transform(Xtr),ytr); P[te]=clf.predict_proba(sc.transform(X[0][te]))
    np.save(f'/tmp/exp/p_{kind}_{C}_{copies}.npy',P)
    return kind,C,copies,round(recall_score(y,P.argmax(1),average='macro'),4)
jobs=[(k,C,c) for k in ('ms','ms+delta','ms+max','ms+q') for C in (0.003,0.005) for c in (0,2)]
for r in Parallel(n_jobs=2)(delayed(run)(*j) for j in jobs): print(r, flush=True)

import pickle, sys, numpy as np, time
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler
from sklearn.metrics import recall_score
d=pickle.load(open('/tmp/exp/feats.pkl','rb')); rows=d['rows']; F=d['feats']
labels=sorted(set(r['label'] for r in rows)); y=np.array([labels.index(r['label']) for r in rows]); actor=np.array([int(r['actor']) for r in rows])
fold=(actor-1)//3
def pool(f, layers):
    x=f[:,layers,:].astype(np.float32)   # T,L,H
    return np.concatenate([x.mean(0).ravel(), x.std(0).ravel()])
def run(layers, copies, C=None):
    X=[np.stack([pool(f,layers) for f in F[c]]) for c in range(len(F))]
    pred=np.zeros(len(y),int)
    for k in range(6):
        tr=fold!=k; te=fold==k
        Xtr=np.concatenate([X[c][tr] for c in range(copies+1)]); ytr=np.concatenate([y[tr]]*(copies+1))
        sc=StandardScaler().fit(Xtr)
        clf=LogisticRegression(C=C,max_iter=2000).fit(sc.transform(Xtr),ytr)
        pred[te]=clf.predict(sc.transform(X[0][te]))
    return recall_score(y,pred,average='macro')
for layers in ([4],[3],[1,2,3,4],[2,3]):
  for copies in (0,3):
    for C in (0.01,0.05):
      t=time.time(); print(layers,copies,C, round(run(layers,copies,C),4), round(time.time()-t,1), flush=True)

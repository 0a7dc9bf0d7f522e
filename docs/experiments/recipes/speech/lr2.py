import pickle, numpy as np, time
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler
from sklearn.metrics import recall_score
d=pickle.load(open('/tmp/exp/feats.pkl','rb')); rows=d['rows']; F=d['feats']
labels=sorted(set(r['label'] for r in rows)); y=np.array([labels.index(r['label']) for r in rows]); actor=np.array([int(r['actor']) for r in rows])
fold=(actor-1)//3
def pool(f, layers):
    x=f[:,layers,:].astype(np.float32)
    return np.concatenate([x.mean(0).ravel(), x.std(0).ravel()])
def run(layers, C, spk=False):
    X=np.stack([pool(f,layers) for f in F[0]])
    if spk:
        for a in set(actor): X[actor==a]-=X[actor==a].mean(0)
    pred=np.zeros(len(y),int)
    for k in range(6):
        tr=fold!=k; te=fold==k
        sc=StandardScaler().fit(X[tr])
        clf=LogisticRegression(C=C,max_iter=3000).fit(sc.transform(X[tr]),y[tr])
        pred[te]=clf.predict(sc.transform(X[te]))
    return recall_score(y,pred,average='macro')
for layers in ([0,1,2,3,4],[1,2,3,4]):
  for C in (0.002,0.005,0.01):
    print(layers,C, round(run(layers,C),4), flush=True)
print('spk', round(run([1,2,3,4],0.01,True),4))

import numpy as np, csv
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler
from sklearn.metrics import recall_score
rows=list(csv.DictReader(open('../shared/data/speech/ravdess/labels.csv')))
labels=sorted(set(r['label'] for r in rows)); y=np.array([labels.index(r['label']) for r in rows]); actor=np.array([int(r['actor']) for r in rows]); fold=(actor-1)//3
P=np.load('/tmp/exp/padded.npy')  # mean(5*384) then std(5*384)
def sel(layers):
    m=P[:,:1920].reshape(-1,5,384); s=P[:,1920:].reshape(-1,5,384)
    return np.concatenate([m[:,layers].reshape(len(P),-1), s[:,layers].reshape(len(P),-1)],1)
for layers in ([1,2,3,4],[2,3,4],[3,4],[4],[0,1,2,3,4]):
  for C in (0.002,0.005,0.01):
    X=sel(layers); pred=np.zeros(len(y),int)
    for k in range(6):
        tr=fold!=k; te=fold==k; sc=StandardScaler().fit(X[tr])
        pred[te]=LogisticRegression(C=C,max_iter=3000).fit(sc.transform(X[tr]),y[tr]).predict(sc.transform(X[te]))
    print(layers,C,round(recall_score(y,pred,average='macro'),4),flush=True)

import pickle, numpy as np
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import pdist, squareform
from affectkit.speech.speakers import _silhouette
d=pickle.load(open('/tmp/exp/feats.pkl','rb')); rows=d['rows']; F=d['feats'][0]
actor=np.array([int(r['actor']) for r in rows]); rng=np.random.default_rng(1)
E=np.stack([f[:,1].astype(np.float32).mean(0) for f in F])
def best(idx):
    x=E[idx]-E[idx].mean(0); x/=np.linalg.norm(x,axis=1,keepdims=True)
    dist=pdist(x,'cosine'); lab=fcluster(linkage(dist,'average'),2,'maxclust')-1
    return _silhouette(squareform(dist),lab) if len(set(lab))>1 else -1
for n in (6,10,16):
    one=[best(rng.choice(np.where(actor==rng.integers(1,19))[0],n,replace=False)) for _ in range(200)]
    two=[]
    for _ in range(200):
        a,b=rng.choice(np.arange(1,19),2,replace=False)
        two.append(best(np.concatenate([rng.choice(np.where(actor==a)[0],n//2,replace=False),rng.choice(np.where(actor==b)[0],n-n//2,replace=False)])))
    print(n, 'one', np.percentile(one,[50,90,95,99]).round(3), 'two', np.percentile(two,[5,10,25,50]).round(3))

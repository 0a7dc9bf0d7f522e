import numpy as np, csv, pickle
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import pdist
rows=list(csv.DictReader(open('../shared/data/speech/ravdess/labels.csv'))); actor=np.array([int(r['actor']) for r in rows])
R=np.load('/tmp/exp/resem.npy')
d=pickle.load(open('/tmp/exp/feats.pkl','rb')); W=np.stack([f[:,1].astype(np.float32).mean(0) for f in d['feats'][0]])
rng=np.random.default_rng(0)
def csim(E, idx, center):
    x=E[idx].copy()
    if center: x=x-x.mean(0)
    x/=np.linalg.norm(x,axis=1,keepdims=True)
    lab=fcluster(linkage(pdist(x,'cosine'),'average'),2,'maxclust')-1
    if len(set(lab))<2: return 1.0
    a=x[lab==0].mean(0); b=x[lab==1].mean(0); return float(a@b/np.linalg.norm(a)/np.linalg.norm(b))
for name,E,c in (('resem',R,False),('resem-c',R,True),('whisper',W,False)):
    one=[];two=[]
    for _ in range(300):
        a,b=rng.choice(np.arange(1,19),2,replace=False)
        two.append(csim(E,np.concatenate([rng.choice(np.where(actor==a)[0],8,replace=False),rng.choice(np.where(actor==b)[0],8,replace=False)]),c))
        one.append(csim(E,rng.choice(np.where(actor==a)[0],16,replace=False),c))
    print(name,'one',np.percentile(one,[1,5,10,50]).round(3),'two',np.percentile(two,[50,90,95,99]).round(3))

import numpy as np, csv, pickle
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import pdist
from sklearn.cluster import KMeans, SpectralClustering
rows=list(csv.DictReader(open('../shared/data/speech/ravdess/labels.csv'))); actor=np.array([int(r['actor']) for r in rows])
R=np.load('/tmp/exp/resem.npy')
d=pickle.load(open('/tmp/exp/feats.pkl','rb')); F=d['feats'][0]
W1=np.stack([f[:,1].astype(np.float32).mean(0) for f in F]); W0=np.stack([f[:,0].astype(np.float32).mean(0) for f in F])
W1s=np.stack([np.concatenate([f[:,1].astype(np.float32).mean(0),f[:,1].astype(np.float32).std(0)]) for f in F])
rng=np.random.default_rng(0)
trials=[]
for _ in range(300):
    a,b=rng.choice(np.arange(1,19),2,replace=False)
    trials.append(np.concatenate([rng.choice(np.where(actor==a)[0],8,replace=False),rng.choice(np.where(actor==b)[0],8,replace=False)]))
truth=np.array([0]*8+[1]*8)
def run(E, method, center=True):
    acc=[]
    for idx in trials:
        x=E[idx].copy()
        if center: x-=x.mean(0)
        x/=np.linalg.norm(x,axis=1,keepdims=True)
        if method=='kmeans': lab=KMeans(2,n_init=5,random_state=0).fit_predict(x)
        else: lab=fcluster(linkage(x if method=='ward' else pdist(x,'cosine'),method),2,'maxclust')-1
        acc.append(max((lab==truth).mean(),(lab!=truth).mean()))
    return round(np.mean(acc),3), round(np.mean(np.array(acc)==1),2)
for name,E in (('W1',W1),('W0',W0),('W1s',W1s),('resem',R)):
    for m in ('average','ward','complete','kmeans'):
        print(name,m,run(E,m))

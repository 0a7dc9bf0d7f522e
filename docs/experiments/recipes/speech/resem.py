import numpy as np, torch, csv, soundfile as sf, librosa, time
from torch import nn
from affectkit.speech import speakers as S
torch.set_num_threads(1)
ck=torch.load('/tmp/rvx/resemblyzer/pretrained.pt',map_location='cpu',weights_only=True)
print(list(ck.keys())[:3], list(ck['model_state'].keys()) if 'model_state' in ck else '')
class VE(nn.Module):
    def __init__(s):
        super().__init__(); s.lstm=nn.LSTM(40,256,3,batch_first=True); s.linear=nn.Linear(256,256)
    def forward(s,m):
        _,(h,_)=s.lstm(m); e=torch.relu(s.linear(h[-1])); return e/torch.norm(e,dim=1,keepdim=True)
ve=VE(); ve.load_state_dict({k:v for k,v in ck['model_state'].items() if not k.startswith('similarity')}); ve.eval()
def embed(w):
    w=w*(10**((-30-20*np.log10(np.sqrt(np.mean(w**2))+1e-9))/20))
    mel=librosa.feature.melspectrogram(y=w,sr=16000,n_fft=400,hop_length=160,n_mels=40).astype(np.float32).T
    if len(mel)<160: mel=np.pad(mel,((0,160-len(mel)),(0,0)))
    starts=list(range(0,max(1,len(mel)-160+1),80))
    with torch.no_grad(): e=ve(torch.from_numpy(np.stack([mel[s:s+160] for s in starts]))).mean(0).numpy()
    return e/np.linalg.norm(e)
root='../shared/data/speech/ravdess/'; rows=list(csv.DictReader(open(root+'labels.csv')))
actor=np.array([int(r['actor']) for r in rows]); rng=np.random.default_rng(0)
t=time.time(); E=np.stack([embed(sf.read(root+r['file'],dtype='float32')[0]) for r in rows]); print('embed s/clip',(time.time()-t)/len(rows))
np.save('/tmp/exp/resem.npy',E)
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import pdist, squareform
ok=[]; one=[]; two=[]
for _ in range(200):
    a,b=rng.choice(np.arange(1,19),2,replace=False)
    idx=np.concatenate([rng.choice(np.where(actor==a)[0],8,replace=False),rng.choice(np.where(actor==b)[0],8,replace=False)]); truth=np.array([0]*8+[1]*8)
    lab=np.array(S.cluster(list(E[idx]))); ok.append(max((lab==truth).mean(),(lab!=truth).mean()))
    dist=pdist(E[idx],'cosine'); two.append(S._silhouette(squareform(dist), fcluster(linkage(dist,'average'),2,'maxclust')-1))
    i1=rng.choice(np.where(actor==a)[0],16,replace=False); dist=pdist(E[i1],'cosine'); l=fcluster(linkage(dist,'average'),2,'maxclust')-1
    one.append(S._silhouette(squareform(dist),l) if len(set(l))>1 else -1)
print('acc',np.mean(ok),'perfect',np.mean(np.array(ok)==1))
print('one',np.percentile(one,[50,90,95,99]).round(3),'two',np.percentile(two,[1,5,10,50]).round(3))

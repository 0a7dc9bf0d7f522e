import pickle, numpy as np
from sklearn.linear_model import LogisticRegression, RidgeClassifier
from sklearn.svm import LinearSVC, SVC
from sklearn.preprocessing import StandardScaler, normalize
from sklearn.decomposition import PCA
from sklearn.metrics import recall_score
d=pickle.load(open('/tmp/exp/feats.pkl','rb')); rows=d['rows']; F=d['feats']
labels=sorted(set(r['label'] for r in rows)); y=np.array([labels.index(r['label']) for r in rows]); actor=np.array([int(r['actor']) for r in rows])
fold=(actor-1)//3
def pool(f):
    x=f[:,[1,2,3,4],:].astype(np.float32); return np.concatenate([x.mean(0).ravel(), x.std(0).ravel()])
X=np.stack([pool(f) for f in F[0]])
def cv(make, prep=None):
    pred=np.zeros(len(y),int)
    for k in range(6):
        tr=fold!=k; te=fold==k
        A,B=X[tr],X[te]
        if prep=='l2': A,B=normalize(A),normalize(B)
        sc=StandardScaler().fit(A); A,B=sc.transform(A),sc.transform(B)
        if prep=='pca':
            p=PCA(256,whiten=True).fit(A); A,B=p.transform(A),p.transform(B)
        if prep=='pn':
            A,B=np.sign(A)*np.sqrt(np.abs(A)), np.sign(B)*np.sqrt(np.abs(B))
        pred[te]=make().fit(A,y[tr]).predict(B)
    return round(recall_score(y,pred,average='macro'),4)
print('ridge', cv(lambda: RidgeClassifier(alpha=3000)))
print('ridge1e4', cv(lambda: RidgeClassifier(alpha=10000)))
print('svc', cv(lambda: LinearSVC(C=0.0005,max_iter=5000)))
print('svc2', cv(lambda: LinearSVC(C=0.002,max_iter=5000)))
print('rbf', cv(lambda: SVC(C=3, gamma='scale')))
print('rbf10', cv(lambda: SVC(C=10, gamma='scale')))
print('lr pn', cv(lambda: LogisticRegression(C=0.005,max_iter=3000),'pn'))
print('lr pca', cv(lambda: LogisticRegression(C=0.05,max_iter=3000),'pca'))

# case: spq-pq-distance-split-written
# source: https://github.com/youngkyunJang/SPQ/issues/2
# expect: markers
# torch: raises "This view is the output of a function that returns multiple views"

# Retrieval.py, pqDist_one, as quoted in the issue: the distance table D_C is split into views and each view is
# written while the query features (and the codebook) require grad. numpy is not installed here, so the gallery
# codes' np.split(g_x...) is a torch.split of an integer tensor; the caller is completed minimally.
import torch as T


def pqDist_one(C, N_books, g_x, q_x):
    l1, l2 = C.shape
    L_word = int(l2 / N_books)
    D_C = T.zeros((l1, N_books), dtype=T.float32)

    q_x_split = T.split(q_x, L_word, 0)
    g_x_split = T.split(g_x, 1, 1)
    C_split = T.split(C, L_word, 1)
    D_C_split = T.split(D_C, 1, 1)

    for j in range(N_books):
        for k in range(l1):
            D_C_split[j][k] = T.norm(q_x_split[j] - C_split[j][k], 2)  # error: IPL009
        if j == 0:
            dist = D_C_split[j][g_x_split[j]]
        else:
            dist = T.add(dist, D_C_split[j][g_x_split[j]])
    Dpq = T.squeeze(dist)
    return Dpq


T.manual_seed(0)
C = T.randn(4, 6, requires_grad=True)
q_x = T.randn(6, requires_grad=True)
g_x = T.randint(0, 4, (5, 2))
Dpq = pqDist_one(C, 2, g_x, q_x)

# case: spq-pq-distance-split-under-no-grad
# source: https://github.com/youngkyunJang/SPQ/issues/2
# expect: clean
# torch: clean
# check: Dpq.shape == (5,) and not Dpq.requires_grad

# The look-alike of real-bugs/spq-pq-distance-split-written: the retrieval evaluation that calls pqDist_one run
# under T.no_grad() (nothing is trained at evaluation time), so the split views of the table can be written.
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
            D_C_split[j][k] = T.norm(q_x_split[j] - C_split[j][k], 2)
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
with T.no_grad():
    Dpq = pqDist_one(C, 2, g_x, q_x)

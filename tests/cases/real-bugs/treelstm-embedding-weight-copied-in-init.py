# case: treelstm-embedding-weight-copied-in-init
# source: https://github.com/dasguptar/treelstm.pytorch/pull/26
# expect: markers
# torch: raises "a leaf Variable that requires grad is being used in an in-place operation"

# treelstm/model.py after the PyTorch 0.4 port (the PR: "When switching to PyTorch 0.4.0, I hurriedly removed all
# `.data`"): SimilarityTreeLSTM.__init__ receives the pretrained GloVe matrix and copies it into self.emb.weight
# with copy_, which fails when the embedding is not frozen (the PR's traceback: model.py line 76,
# `self.emb.weight.copy_(init_emb)`, called from main.py with `emb`). The constructor's order (freeze check, then
# copy) is our reconstruction from that traceback; ChildSumTreeLSTM and Similarity as in the file (torch.sigmoid /
# torch.tanh for the deprecated F.sigmoid / F.tanh, x.detach().new(...) for Var(x.data.new(...))), a two-node tree per
# sentence, one KL-divergence training step.
import torch
import torch.nn as nn
import torch.nn.functional as F

PAD = 0


class Tree(object):
    def __init__(self, idx):
        self.idx = idx
        self.children = []
        self.num_children = 0
        self.state = None

    def add_child(self, child):
        self.children.append(child)
        self.num_children += 1


class ChildSumTreeLSTM(nn.Module):
    def __init__(self, in_dim, mem_dim):
        super(ChildSumTreeLSTM, self).__init__()
        self.in_dim = in_dim
        self.mem_dim = mem_dim
        self.ioux = nn.Linear(self.in_dim, 3 * self.mem_dim)
        self.iouh = nn.Linear(self.mem_dim, 3 * self.mem_dim)
        self.fx = nn.Linear(self.in_dim, self.mem_dim)
        self.fh = nn.Linear(self.mem_dim, self.mem_dim)

    def node_forward(self, inputs, child_c, child_h):
        child_h_sum = torch.sum(child_h, dim=0, keepdim=True)

        iou = self.ioux(inputs) + self.iouh(child_h_sum)
        i, o, u = torch.split(iou, iou.size(1) // 3, dim=1)
        i, o, u = torch.sigmoid(i), torch.sigmoid(o), torch.tanh(u)

        f = torch.sigmoid(
            self.fh(child_h) +
            self.fx(inputs).repeat(len(child_h), 1)
        )
        fc = torch.mul(f, child_c)

        c = torch.mul(i, u) + torch.sum(fc, dim=0, keepdim=True)
        h = torch.mul(o, torch.tanh(c))
        return c, h

    def forward(self, tree, inputs):
        for idx in range(tree.num_children):
            self.forward(tree.children[idx], inputs)

        if tree.num_children == 0:
            child_c = inputs[0].detach().new(1, self.mem_dim).fill_(0.)
            child_h = inputs[0].detach().new(1, self.mem_dim).fill_(0.)
        else:
            child_c, child_h = zip(* map(lambda x: x.state, tree.children))
            child_c, child_h = torch.cat(child_c, dim=0), torch.cat(child_h, dim=0)

        tree.state = self.node_forward(inputs[tree.idx], child_c, child_h)
        return tree.state


class Similarity(nn.Module):
    def __init__(self, mem_dim, hidden_dim, num_classes):
        super(Similarity, self).__init__()
        self.mem_dim = mem_dim
        self.hidden_dim = hidden_dim
        self.num_classes = num_classes
        self.wh = nn.Linear(2 * self.mem_dim, self.hidden_dim)
        self.wp = nn.Linear(self.hidden_dim, self.num_classes)

    def forward(self, lvec, rvec):
        mult_dist = torch.mul(lvec, rvec)
        abs_dist = torch.abs(torch.add(lvec, -rvec))
        vec_dist = torch.cat((mult_dist, abs_dist), 1)

        out = torch.sigmoid(self.wh(vec_dist))
        out = F.log_softmax(self.wp(out), dim=1)
        return out


class SimilarityTreeLSTM(nn.Module):
    def __init__(self, vocab_size, in_dim, mem_dim, hidden_dim, num_classes, sparsity, freeze, init_emb):
        super(SimilarityTreeLSTM, self).__init__()
        self.emb = nn.Embedding(vocab_size, in_dim, padding_idx=PAD, sparse=sparsity)
        if freeze:
            self.emb.weight.requires_grad = False
        self.emb.weight.copy_(init_emb)  # error: IPL001
        self.childsumtreelstm = ChildSumTreeLSTM(in_dim, mem_dim)
        self.similarity = Similarity(mem_dim, hidden_dim, num_classes)

    def forward(self, ltree, linputs, rtree, rinputs):
        linputs = self.emb(linputs)
        rinputs = self.emb(rinputs)
        lstate, lhidden = self.childsumtreelstm(ltree, linputs)
        rstate, rhidden = self.childsumtreelstm(rtree, rinputs)
        output = self.similarity(lstate, rstate)
        return output


def two_node_tree():
    root, leaf = Tree(1), Tree(0)
    root.add_child(leaf)
    return root


torch.manual_seed(0)
vocab_size, in_dim = 6, 4
emb = torch.randn(vocab_size, in_dim)  # stands in for the GloVe vectors main.py loads
emb[PAD].zero_()
model = SimilarityTreeLSTM(vocab_size, in_dim, mem_dim=5, hidden_dim=3, num_classes=5, sparsity=False,
                           freeze=False, init_emb=emb)
optimizer = torch.optim.Adagrad(model.parameters(), lr=0.01, weight_decay=1e-4)
criterion = nn.KLDivLoss(reduction='batchmean')
linput, rinput = torch.tensor([2, 3]), torch.tensor([4, 5])
target = torch.tensor([[0.0, 0.0, 0.3, 0.7, 0.0]])
optimizer.zero_grad()
output = model(two_node_tree(), linput, two_node_tree(), rinput)
loss = criterion(output, target)
loss.backward()
optimizer.step()

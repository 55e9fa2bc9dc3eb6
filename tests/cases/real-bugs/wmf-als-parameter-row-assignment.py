# case: wmf-als-parameter-row-assignment
# source: https://github.com/graytowne/revisit_adv_rec/issues/3
# expect: markers
# torch: raises "a view of a leaf Variable that requires grad is being used in an in-place operation"

# graytowne/revisit_adv_rec, trainers/wmf_trainer.py: the weighted matrix factorisation
# surrogate ("sur_wmf_als"/"sur_wmf_afs" in the report) trained by alternating least
# squares inside `fit_adv_als`, before the adversarial gradient w.r.t. the fake users'
# data is taken. `train_als` reaches the factors through `model = self.net` and writes
# each solved row straight into the nn.Parameters: `model.P[user] = new_p_u.t()`
# indexes a leaf that requires grad (a view of it) and assigns in place; the same write
# into `model.Q[item]` follows (marked too; execution stops at the first). Kept:
# WeightedMF, train_als, fit_adv_als; completed: dense torch matrices instead of scipy
# sparse ones (numpy/scipy not used), `torch.diag` for `_array2sparsediag`, a
# multinomial cross-entropy for `mult_ce_loss`, tiny data and one call of fit_adv_als.
import torch
import torch.nn as nn
import torch.nn.functional as F
from types import SimpleNamespace


def _array2diag(x):
    return torch.diag(x)


def mult_ce_loss(data, logits):
    """Multi-class cross-entropy loss."""
    log_probs = F.log_softmax(logits, dim=-1)
    return -log_probs * data


class WeightedMF(nn.Module):
    def __init__(self, n_users, n_items, model_args):
        super(WeightedMF, self).__init__()
        hidden_dims = model_args.hidden_dims
        if len(hidden_dims) > 1:
            raise ValueError("WMF can only have one latent dimension.")
        self.n_users = n_users
        self.n_items = n_items
        self.dim = hidden_dims[0]
        self.Q = nn.Parameter(torch.zeros([self.n_items, self.dim]).normal_(mean=0, std=0.1))
        self.P = nn.Parameter(torch.zeros([self.n_users, self.dim]).normal_(mean=0, std=0.1))
        self.params = nn.ParameterList([self.Q, self.P])

    def forward(self, user_id=None, item_id=None):
        if user_id is None and item_id is None:
            return torch.mm(self.P, self.Q.t())
        if user_id is not None:
            return torch.mm(self.P[[user_id]], self.Q.t())
        if item_id is not None:
            return torch.mm(self.P, self.Q[[item_id]].t())


class WMFTrainer(object):
    def __init__(self, n_users, n_items, args):
        self.args = args
        self.device = torch.device("cpu")
        self.n_users = n_users
        self.n_items = n_items

    def _initialize(self):
        self.net = WeightedMF(n_users=self.n_users, n_items=self.n_items, model_args=self.args.model)
        self.weight_alpha = self.args.model.weight_alpha
        self.dim = self.net.dim

    def train_als(self, data):
        model = self.net  # A warning will raise if use .to() method here.
        P = model.P.detach()
        Q = model.Q.detach()

        weight_alpha = self.weight_alpha - 1
        # Update P
        lamda_eye = torch.eye(self.dim).to(self.device) * self.args.l2
        # residual = Q^tQ + lambda*I
        residual = torch.mm(Q.t(), Q) + lamda_eye
        for user, batch_data in enumerate(data):
            # x_u: N x 1
            x_u = batch_data.view(-1, 1)
            # Cu = diagMat(alpha * rating + 1)
            cu = batch_data * weight_alpha + 1
            Cu = _array2diag(cu)
            Cu_minusI = _array2diag(cu - 1)
            # left hand side
            lhs = torch.mm(Q.t(), Cu_minusI.mm(Q)) + residual
            # right hand side
            rhs = torch.mm(Q.t(), Cu.mm(x_u))

            new_p_u = torch.mm(lhs.inverse(), rhs)
            model.P[user] = new_p_u.t()  # error: IPL002

        # Update Q
        data = data.t()
        # residual = P^tP + lambda*I
        residual = torch.mm(P.t(), P) + lamda_eye
        for item, batch_data in enumerate(data):
            x_v = batch_data.view(-1, 1)
            cv = batch_data * weight_alpha + 1
            Cv = _array2diag(cv)
            Cv_minusI = _array2diag(cv - 1)
            lhs = torch.mm(P.t(), Cv_minusI.mm(P)) + residual
            rhs = torch.mm(P.t(), Cv.mm(x_v))

            new_q_v = torch.mm(lhs.inverse(), rhs)
            model.Q[item] = new_q_v.t()  # error: IPL002

        return 0

    def fit_adv_als(self, data_tensor, epoch_num, n_fakes, target_items):
        self._initialize()
        if not data_tensor.requires_grad:
            raise ValueError("To compute adversarial gradients, data_tensor "
                             "should have requires_grad=True.")

        train_data = data_tensor.detach()
        for i in range(1, epoch_num + 1):
            self.train_als(data=train_data)

        target_tensor = torch.zeros_like(data_tensor)
        target_tensor[:, target_items] = 1.0

        model = self.net
        model.eval()

        # Compute adversarial (outer) loss.
        predictions = model()
        adv_loss = mult_ce_loss(logits=predictions[:-n_fakes, ], data=target_tensor[:-n_fakes, ]).sum()
        dloss_dpreds = torch.autograd.grad(adv_loss, predictions)[0]

        # Transpose both data_tensor and dloss_dpreds for easy indexing later.
        data_tensor = data_tensor.t()
        dloss_dpreds = dloss_dpreds.t()

        P = model.P.detach()
        weight_alpha = self.weight_alpha - 1
        lamda_eye = torch.eye(self.dim).to(self.device) * self.args.l2
        residual = torch.mm(P.t(), P) + lamda_eye

        adv_grads = list()
        for i, x_v in enumerate(data_tensor):
            cv = x_v.detach() * weight_alpha + 1
            Cv = _array2diag(cv)
            Cv_minusI = _array2diag(cv - 1)
            lhs = torch.mm(P.t(), Cv_minusI.mm(P)) + residual
            rhs = torch.mm(P.t(), Cv.mm(x_v.view(-1, 1)))

            new_q_v = torch.mm(lhs.inverse(), rhs)
            r_v = torch.mm(P, new_q_v)

            adv_grad = torch.autograd.grad(r_v, x_v, dloss_dpreds[i].view_as(r_v))[0]
            adv_grads.append(adv_grad.view(-1, 1))
        adv_grads = torch.cat(adv_grads, dim=1)

        return adv_loss.item(), adv_grads[-n_fakes:, :]


args = SimpleNamespace(l2=1e-2, model=SimpleNamespace(hidden_dims=[4], weight_alpha=20))
n_users, n_items, n_fakes = 8, 6, 2
data = (torch.rand(n_users, n_items) > 0.6).float()
data_tensor = data.clone().requires_grad_(True)
trainer = WMFTrainer(n_users, n_items, args)
adv_loss, adv_grads = trainer.fit_adv_als(data_tensor, epoch_num=2, n_fakes=n_fakes, target_items=[0])

# case: moco-queue-enqueued-while-logits-hold-it
# source: https://github.com/facebookresearch/moco/issues/21
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"

# moco/builder.py, MoCo.forward, as the question proposes it: the negative logits are computed against the
# queue buffer without the `.clone()` of `self.queue.clone().detach()` ("Is it necessary to make a copy of the queue
# at all?"). The maintainer: "self.queue is in-place modified in self._dequeue_and_enqueue, so a clone is necessary.
# If not cloned, you should see an error raised by pytorch." The product saves the queue to compute the queries'
# gradient, and the enqueue (under @torch.no_grad(), still a version bump) overwrites a slice of it before the
# training loop's loss.backward(). Kept: MoCo (momentum key encoder, queue buffer and pointer, InfoNCE logits) and
# the training step of main_moco.py. Reduced: a small MLP encoder with an `fc` head stands in for the ResNet,
# concat_all_gather is the identity on one process, the DDP batch shuffle is left out, no .cuda().
import torch
import torch.nn as nn


class Encoder(nn.Module):
    def __init__(self, num_classes=128):
        super(Encoder, self).__init__()
        self.body = nn.Sequential(nn.Flatten(), nn.Linear(3 * 8 * 8, 32), nn.BatchNorm1d(32), nn.ReLU(inplace=True))
        self.fc = nn.Linear(32, num_classes)

    def forward(self, x):
        return self.fc(self.body(x))


class MoCo(nn.Module):
    def __init__(self, base_encoder, dim=128, K=65536, m=0.999, T=0.07, mlp=False):
        super(MoCo, self).__init__()

        self.K = K
        self.m = m
        self.T = T

        # create the encoders
        # num_classes is the output fc dimension
        self.encoder_q = base_encoder(num_classes=dim)
        self.encoder_k = base_encoder(num_classes=dim)

        if mlp:  # hack: brute-force replacement
            dim_mlp = self.encoder_q.fc.weight.shape[1]
            self.encoder_q.fc = nn.Sequential(nn.Linear(dim_mlp, dim_mlp), nn.ReLU(), self.encoder_q.fc)
            self.encoder_k.fc = nn.Sequential(nn.Linear(dim_mlp, dim_mlp), nn.ReLU(), self.encoder_k.fc)

        for param_q, param_k in zip(self.encoder_q.parameters(), self.encoder_k.parameters()):
            param_k.data.copy_(param_q.data)  # initialize
            param_k.requires_grad = False  # not update by gradient

        # create the queue
        self.register_buffer("queue", torch.randn(dim, K))
        self.queue = nn.functional.normalize(self.queue, dim=0)

        self.register_buffer("queue_ptr", torch.zeros(1, dtype=torch.long))

    @torch.no_grad()
    def _momentum_update_key_encoder(self):
        """
        Momentum update of the key encoder
        """
        for param_q, param_k in zip(self.encoder_q.parameters(), self.encoder_k.parameters()):
            param_k.data = param_k.data * self.m + param_q.data * (1. - self.m)

    @torch.no_grad()
    def _dequeue_and_enqueue(self, keys):
        # gather keys before updating queue
        keys = concat_all_gather(keys)

        batch_size = keys.shape[0]

        ptr = int(self.queue_ptr)
        assert self.K % batch_size == 0  # for simplicity

        # replace the keys at ptr (dequeue and enqueue)
        self.queue[:, ptr:ptr + batch_size] = keys.T  # error: IPL003
        ptr = (ptr + batch_size) % self.K  # move pointer

        self.queue_ptr[0] = ptr

    def forward(self, im_q, im_k):
        # compute query features
        q = self.encoder_q(im_q)  # queries: NxC
        q = nn.functional.normalize(q, dim=1)

        # compute key features
        with torch.no_grad():  # no gradient to keys
            self._momentum_update_key_encoder()  # update the key encoder

            k = self.encoder_k(im_k)  # keys: NxC
            k = nn.functional.normalize(k, dim=1)

        # compute logits
        # Einstein sum is more intuitive
        # positive logits: Nx1
        l_pos = torch.einsum('nc,nc->n', [q, k]).unsqueeze(-1)
        # negative logits: NxK
        l_neg = torch.einsum('nc,ck->nk', [q, self.queue.detach()])

        # logits: Nx(1+K)
        logits = torch.cat([l_pos, l_neg], dim=1)

        # apply temperature
        logits /= self.T

        # labels: positive key indicators
        labels = torch.zeros(logits.shape[0], dtype=torch.long)

        # dequeue and enqueue
        self._dequeue_and_enqueue(k)

        return logits, labels


@torch.no_grad()
def concat_all_gather(tensor):
    """Single process: all_gather over a world of one returns the tensor itself."""
    return tensor


torch.manual_seed(0)
model = MoCo(Encoder, dim=8, K=16, m=0.999, T=0.07)
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), 0.03, momentum=0.9, weight_decay=1e-4)

images = [torch.randn(4, 3, 8, 8), torch.randn(4, 3, 8, 8)]
model.train()
output, target = model(im_q=images[0], im_k=images[1])
loss = criterion(output, target)
optimizer.zero_grad()
loss.backward()
optimizer.step()

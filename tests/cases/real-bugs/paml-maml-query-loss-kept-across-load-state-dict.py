# case: paml-maml-query-loss-kept-across-load-state-dict
# source: https://github.com/HLTCHKUST/PAML/issues/18
# expect: markers
# torch: raises "one of the variables needed for gradient computation has been modified by an inplace operation"

# PAML (HLTCHKUST/PAML, persona-agnostic meta-learning for dialogue), MAML.py.
# For each task of a meta-batch, do_learning_fix_step adapts the model with
# a few train_one_batch steps (loss.backward(); self.optimizer.step()) and
# then evaluates it on the task's validation batches with
# train_one_batch(train=False), which returns the loss tensor with its
# graph; that graph saved the adapted weights. The loop adds the loss to
# batch_loss, restores the meta weights with
# meta_net.load_state_dict(weights_original), which copies into every
# parameter in place, and goes on to the next task, whose inner
# self.optimizer.step() rewrites the same parameters again; the
# batch_loss.backward() after the loop meets the rewritten weights (the
# issue: "Error occurs in out-loop backward ... batch_loss.backward()"; the
# reporter points at train_one_batch). Each of the two writes alone makes
# torch raise (checked by removing the other). Kept: do_learning_fix_step,
# do_evaluation, make_infinite_list and the meta-training loop of MAML.py
# (up to the meta update), Transformer.train_one_batch's structure
# (zero_grad, forward, NLL loss, backward/step only when train) and its
# optimizers. Completed: the Transformer's encoder/decoder are one-layer
# stand-ins, the Personas reader a tiny random dataset, config a namespace
# (a meta-batch of two tasks); numpy's mean written with statistics.mean;
# tensorboard logging and the meta-evaluation dropped.
import math
import statistics
from copy import deepcopy
from random import shuffle
from types import SimpleNamespace

import torch
import torch.nn as nn
import torch.nn.functional as F

config = SimpleNamespace(PAD_idx=1, SOS_idx=3, emb_dim=8, hidden_dim=8, lr=0.01, noam=False,
                         meta_optimizer='sgd', meta_lr=0.1, meta_batch_size=2, meta_iteration=1,
                         epochs=1, max_grad_norm=2.0, fix_dialnum_train=False, batch_size=2)


# ---- utils/data_reader.py stand-in: tasks are personas, each with train and val dialogues
class Personas:
    def __init__(self, num_personas=3, vocab_size=12, seed=0):
        g = torch.Generator().manual_seed(seed)
        self.vocab_size = vocab_size
        self.data = {}
        for per in range(num_personas):
            def batch():
                return {"input_batch": torch.randint(4, vocab_size, (config.batch_size, 5), generator=g),
                        "target_batch": torch.randint(4, vocab_size, (config.batch_size, 4), generator=g)}
            self.data[per] = ([batch(), batch()], [batch()])

    def get_personas(self, split):
        return list(self.data.keys())

    def get_data_loader(self, persona, batch_size, split):
        return self.data[persona]


# ---- model/transformer.py, with one-layer stand-ins for Encoder / Decoder
class Generator(nn.Module):
    def __init__(self, d_model, vocab):
        super(Generator, self).__init__()
        self.proj = nn.Linear(d_model, vocab)

    def forward(self, x):
        logit = self.proj(x)
        return F.log_softmax(logit, dim=-1)


class Transformer(nn.Module):
    def __init__(self, vocab_size):
        super(Transformer, self).__init__()
        self.embedding = nn.Embedding(vocab_size, config.emb_dim, padding_idx=config.PAD_idx)
        self.encoder = nn.Sequential(nn.Linear(config.emb_dim, config.hidden_dim), nn.Tanh())
        self.decoder = nn.Sequential(nn.Linear(config.emb_dim + config.hidden_dim, config.hidden_dim), nn.Tanh())
        self.generator = Generator(config.hidden_dim, vocab_size)
        self.criterion = nn.NLLLoss(ignore_index=config.PAD_idx)
        self.optimizer = torch.optim.Adam(self.parameters(), lr=config.lr)

    def train_one_batch(self, batch, train=True):
        enc_batch = batch["input_batch"]
        dec_batch = batch["target_batch"]

        if(config.noam):
            self.optimizer.optimizer.zero_grad()
        else:
            self.optimizer.zero_grad()

        ## Encode
        encoder_outputs = self.encoder(self.embedding(enc_batch))

        # Decode
        sos_token = torch.LongTensor([config.SOS_idx] * enc_batch.size(0)).unsqueeze(1)
        dec_batch_shift = torch.cat((sos_token, dec_batch[:, :-1]), 1)
        context = encoder_outputs.mean(1, keepdim=True).expand(-1, dec_batch_shift.size(1), -1)
        pre_logit = self.decoder(torch.cat([self.embedding(dec_batch_shift), context], -1))
        ## compute output dist
        logit = self.generator(pre_logit)

        ## loss: NNL if ptr else Cross entropy
        loss = self.criterion(logit.contiguous().view(-1, logit.size(-1)), dec_batch.contiguous().view(-1))

        if(train):
            loss.backward()
            self.optimizer.step()  # error: IPL003

        return loss.item(), math.exp(min(loss.item(), 100)), loss


# ---- MAML.py
def make_infinite_list(personas):
    while True:
        print("New epoch")
        shuffle(personas)
        for x in personas:
            yield x


def do_learning_fix_step(model, train_iter, val_iter, iterations, test=False):
    val_p = []
    val_p_list = []
    val_loss = 0
    for _, _ in enumerate(range(iterations)):

        for d in train_iter:
            t_loss, t_ppl, _ = model.train_one_batch(d)
        if test:
            _, test_ppl = do_evaluation(model, val_iter)
            val_p_list.append(test_ppl)

    if test:
        return val_p_list
    else:
        for d in val_iter:
            _, t_ppl, t_loss = model.train_one_batch(d, train=False)
            val_loss += t_loss
            val_p.append(t_ppl)
        return val_loss, statistics.mean(val_p)


def do_evaluation(model, test_iter):
    p, l = [], []
    for batch in test_iter:
        loss, ppl, _ = model.train_one_batch(batch, train=False)
        l.append(loss)
        p.append(ppl)
    return statistics.mean(l), statistics.mean(p)


torch.manual_seed(0)
p = Personas()
meta_net = Transformer(p.vocab_size)
if config.meta_optimizer == 'sgd':
    meta_optimizer = torch.optim.SGD(meta_net.parameters(), lr=config.meta_lr)
elif config.meta_optimizer == 'adam':
    meta_optimizer = torch.optim.Adam(meta_net.parameters(), lr=config.meta_lr)
else:
    raise ValueError

meta_batch_size = config.meta_batch_size
tasks = p.get_personas('train')
tasks_iter = make_infinite_list(tasks)

# Main loop
for meta_iteration in range(config.epochs):
    ## save original weights to make the update
    weights_original = deepcopy(meta_net.state_dict())
    train_loss_before = []
    train_loss_meta = []
    #loss accumulate from a batch of tasks
    batch_loss = 0
    for _ in range(meta_batch_size):
        # Get task
        train_iter, val_iter = p.get_data_loader(persona=tasks_iter.__next__(), batch_size=config.batch_size, split='train')
        #before first update
        v_loss, v_ppl = do_evaluation(meta_net, val_iter)
        train_loss_before.append(math.exp(v_loss))
        # Update fast nets
        val_loss, v_ppl = do_learning_fix_step(meta_net, train_iter, val_iter, iterations=config.meta_iteration)
        train_loss_meta.append(math.exp(val_loss.item()))
        batch_loss += val_loss

        # reset
        meta_net.load_state_dict({name: weights_original[name] for name in weights_original})  # error: IPL003

    # meta Update
    if(config.meta_optimizer == 'noam'):
        meta_optimizer.optimizer.zero_grad()
    else:
        meta_optimizer.zero_grad()
    batch_loss /= meta_batch_size
    batch_loss.backward()
    # clip gradient
    nn.utils.clip_grad_norm_(meta_net.parameters(), config.max_grad_norm)
    meta_optimizer.step()

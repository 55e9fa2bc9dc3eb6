# case: lightning-test-step-forces-under-inference-mode
# source: https://github.com/Lightning-AI/pytorch-lightning/issues/17653
# expect: markers
# torch: raises "element 0 of tensors does not require grad and does not have a grad_fn"

# The user's MD17Model: forces are the gradient of the predicted energy with respect to the atom positions, computed
# under @torch.enable_grad() -- which cannot leave the torch.inference_mode() that Lightning's test loop runs under
# (reduced here to that context manager around test_step). The graph object and the energy model are stand-ins.
from types import SimpleNamespace

import torch
from torch import nn


class MD17Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Linear(3, 1)

    def forward(self, graph):
        graph.x = graph.x.float()
        energy, force = self.pred_energy_and_force(graph)
        return energy, force

    @torch.enable_grad()
    def pred_energy_and_force(self, graph):
        graph.pos = torch.autograd.Variable(graph.pos, requires_grad=True)
        pred_energy = self.net(graph.pos).sum()
        pred_force = -1 * torch.autograd.grad(  # error: IPL011
            pred_energy, graph.pos, grad_outputs=torch.ones_like(pred_energy), create_graph=True)[0]
        return pred_energy, pred_force

    def test_step(self, batch, batch_idx):
        energy, force = self(batch)
        return torch.nn.functional.mse_loss(force, batch.force)


torch.manual_seed(0)
model = MD17Model()
batch = SimpleNamespace(x=torch.rand(4, 2), pos=torch.rand(4, 3), force=torch.rand(4, 3))
with torch.inference_mode():  # what Trainer.test() wraps test_step in by default
    model.test_step(batch, 0)

# case: lightning-test-step-forces-under-no-grad
# source: https://github.com/Lightning-AI/pytorch-lightning/issues/17653
# expect: clean
# torch: clean
# check: torch.allclose(loss, torch.nn.functional.mse_loss(-model.net.weight.expand(4, 3), batch.force))

# The resolution of the thread: evaluate with Trainer(inference_mode=False), i.e. under torch.no_grad(), which
# @torch.enable_grad() can switch off again, so the forces are computed.
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
        pred_force = -1 * torch.autograd.grad(
            pred_energy, graph.pos, grad_outputs=torch.ones_like(pred_energy), create_graph=True)[0]
        return pred_energy, pred_force

    def test_step(self, batch, batch_idx):
        energy, force = self(batch)
        return torch.nn.functional.mse_loss(force, batch.force)


torch.manual_seed(0)
model = MD17Model()
batch = SimpleNamespace(x=torch.rand(4, 2), pos=torch.rand(4, 3), force=torch.rand(4, 3))
with torch.no_grad():  # Trainer(inference_mode=False)
    loss = model.test_step(batch, 0)

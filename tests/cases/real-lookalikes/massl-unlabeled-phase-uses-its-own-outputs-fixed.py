# case: massl-unlabeled-phase-uses-its-own-outputs-fixed
# source: https://github.com/ShuaiChenBIGR/MASSL-segmentation-framework/issues/1
# expect: clean
# torch: clean
# check: all(p.grad is not None for p in model.decoder_rec.parameters()) and done

# Look-alike of massl-unlabeled-phase-reuses-labeled-outputs-after-step: the same two-phase loop,
# retain_graph=True and optimizer[0].step() in the labeled phase, but the unlabeled phase takes
# outputsU_back / outputsU_fore from its own forward (what the loss means), so its backward only
# walks a graph built after the step. (The thread's workaround, detaching the reused outputs,
# would also run; this is the same idiom done right.)
import torch
import torch.nn as nn


class MASSL(nn.Module):
    def __init__(self, ch=4):
        super().__init__()
        self.encoder = nn.Sequential(nn.Conv3d(1, ch, 3, padding=1), nn.ReLU())
        self.decoder_seg = nn.Sequential(nn.Conv3d(ch, 1, 1), nn.Sigmoid())
        self.decoder_rec = nn.Conv3d(ch, 2, 1)

    def forward(self, x, phase):
        h = self.encoder(x)
        return self.decoder_seg(h), self.decoder_rec(h)


def train_model(model, batches, criterion, optimizer, mode="fuse"):
    outputsU_back = 0
    outputsU_fore = 0
    for sample1, sample2 in batches:
        for phase in ["trainLabeled", "trainUnlabeled"]:
            optimizer[0].zero_grad()
            optimizer[1].zero_grad()
            if phase == "trainLabeled":
                inputs, labels, image = sample1["image"], sample1["mask"], sample1["image"]
                outputsL, outputsU = model(inputs, phase=phase)
                outputsU_back = outputsU[:, 0]
                outputsU_fore = outputsU[:, 1]
                labels_back = (1.0 - outputsL) * image
                labels_fore = outputsL * image
                w1, w2, w3 = 1.0, 0.0, 0.0
                loss = (w1 * criterion[0](outputsL, labels)
                        + w2 * criterion[1](outputsU_back, labels_back[:, 0])
                        + w3 * criterion[1](outputsU_fore, labels_fore[:, 0]))
                loss.backward(retain_graph=True)
                optimizer[0].step()
            else:
                inputs, image = sample2["image"], sample2["image"]
                outputsL, outputsU = model(inputs, phase=phase)
                outputsU_back = outputsU[:, 0]
                outputsU_fore = outputsU[:, 1]
                labels_back = (1.0 - outputsL) * image
                labels_fore = outputsL * image
                w2 = torch.sum(1.0 - outputsL)
                w3 = torch.sum(outputsL)
                total = w2 + w3
                w2, w3 = w2 / total, w3 / total
                loss = (w2 * criterion[1](outputsU_back, labels_back[:, 0])
                        + w3 * criterion[1](outputsU_fore, labels_fore[:, 0]))
                loss.backward()
                optimizer[1].step()
    return model


torch.manual_seed(0)
model = MASSL()
criterion = (nn.MSELoss(), nn.MSELoss())
optimizer = (torch.optim.Adam(model.parameters(), lr=1e-2),
             torch.optim.Adam(model.parameters(), lr=1e-3))
vol = lambda: torch.rand(2, 1, 4, 6, 6)
batches = [({"image": vol(), "mask": (vol() > 0.5).float()}, {"image": vol()})]
train_model(model, batches, criterion, optimizer)
done = True

# case: test-step-loss-divided-outside-inference-mode
# source: https://github.com/mrdbourke/pytorch-deep-learning/issues/397
# expect: markers
# torch: raises "Inplace update to inference tensor outside InferenceMode is not allowed"

# The course's test_step with the indentation slip the maintainer describes: the losses are accumulated inside
# `with torch.inference_mode():` (so test_loss becomes an inference tensor), and the averaging lines sit one level
# out. The data loader and model are tiny stand-ins; accuracy_fn is the course's helper.
import torch
from torch import nn


def accuracy_fn(y_true, y_pred):
    correct = torch.eq(y_true, y_pred).sum().item()
    return (correct / len(y_pred)) * 100


def test_step(model, data_loader, loss_fn, accuracy_fn):
    test_loss, test_acc = 0, 0
    model.eval()
    with torch.inference_mode():
        for X, y in data_loader:
            test_pred = model(X)
            test_loss += loss_fn(test_pred, y)
            test_acc += accuracy_fn(y_true=y, y_pred=test_pred.argmax(dim=1))

    # Adjust metrics and print out
    test_loss /= len(data_loader)  # error: IPL011
    test_acc /= len(data_loader)
    print(f"Test loss: {test_loss:.5f} | Test acc: {test_acc:.2f}%\n")


torch.manual_seed(0)
model_1 = nn.Sequential(nn.Flatten(), nn.Linear(4, 3))
test_dataloader = [(torch.rand(2, 2, 2), torch.tensor([0, 2])) for _ in range(3)]
test_step(model=model_1, data_loader=test_dataloader, loss_fn=nn.CrossEntropyLoss(), accuracy_fn=accuracy_fn)

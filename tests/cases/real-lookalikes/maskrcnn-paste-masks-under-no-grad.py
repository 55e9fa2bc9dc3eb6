# case: maskrcnn-paste-masks-under-no-grad
# source: https://github.com/Okery/PyTorch-Simple-MaskRCNN/issues/15
# expect: clean
# torch: clean
# check: masks.shape == (2, 8, 8) and not masks.requires_grad and float(masks.max()) > 0

# The look-alike of real-bugs/maskrcnn-paste-masks-without-no-grad: inference run under torch.no_grad(), as the
# repository's evaluation does, so the pasted masks do not require grad and the unbound rows can be written.
import torch
import torch.nn.functional as F


def expand_detection(mask, box, padding):
    padded_mask = torch.nn.functional.pad(mask, (padding,) * 4)
    return padded_mask, box.to(torch.int64)


def paste_masks_in_image(mask, box, padding, image_shape):
    mask, box = expand_detection(mask, box, padding)

    N = mask.shape[0]
    size = (N,) + tuple(image_shape)
    im_mask = torch.zeros(size, dtype=mask.dtype, device=mask.device)
    for m, b, im in zip(mask, box, im_mask):
        b = b.tolist()
        w = max(b[2] - b[0], 1)
        h = max(b[3] - b[1], 1)

        m = F.interpolate(m[None, None], size=(h, w), mode='bilinear', align_corners=False)[0][0]

        x1 = max(b[0], 0)
        y1 = max(b[1], 0)
        x2 = min(b[2], image_shape[1])
        y2 = min(b[3], image_shape[0])

        im[y1:y2, x1:x2] = m[(y1 - b[1]):(y2 - b[1]), (x1 - b[0]):(x2 - b[0])]
    return im_mask


torch.manual_seed(0)
mask_head = torch.nn.Conv2d(1, 1, 1)
box = torch.tensor([[1.0, 1.0, 5.0, 5.0], [0.0, 2.0, 4.0, 6.0]])
with torch.no_grad():
    mask_logits = mask_head(torch.rand(2, 1, 4, 4))[:, 0].sigmoid()
    masks = paste_masks_in_image(mask_logits, box, 1, (8, 8))

# case: ifusion-se3-exp-unsqueeze-on-pose-leaf-view
# source: https://github.com/chinhsuanwu/ifusion/issues/4
# expect: markers
# torch: raises "a view of a leaf Variable that requires grad is being used in an in-place operation"

# iFusion's pose optimisation (ifusion.py, optimize_pose_loop): the relative pose is a leaf
# xi = torch.randn(6) * 1e-6; xi.requires_grad_(), optimised with Adam, and mapped to SE(3) by the
# liegroups library's SE3.exp(xi).as_matrix(). Inside SE3.exp the 1-D xi becomes xi.unsqueeze(0),
# rho = xi[:, :3] is a view of the leaf, and `rho.unsqueeze_(dim=2)` reshapes it in place. Reduced:
# liegroups' SE3/SO3 cut to exp (Rodrigues via the matrix exponential of the wedge) and as_matrix,
# Zero123 replaced by a tiny conditioned MLP that scores the pose; mat2latlon/make_T kept in shape.
import torch
import torch.nn as nn


class SO3:
    dim, dof = 3, 3

    @classmethod
    def wedge(cls, phi):
        zero = torch.zeros_like(phi[:, 0])
        return torch.stack([torch.stack([zero, -phi[:, 2], phi[:, 1]], 1),
                            torch.stack([phi[:, 2], zero, -phi[:, 0]], 1),
                            torch.stack([-phi[:, 1], phi[:, 0], zero], 1)], 1)

    @classmethod
    def exp(cls, phi):
        return torch.linalg.matrix_exp(cls.wedge(phi))

    @classmethod
    def left_jacobian(cls, phi):
        Phi = cls.wedge(phi)
        return torch.eye(3) + 0.5 * Phi + Phi @ Phi / 6.0


class SE3:
    dim, dof = 4, 6
    RotationType = SO3

    def __init__(self, rot, trans):
        self.rot, self.trans = rot, trans

    def as_matrix(self):
        R = self.rot.squeeze(0)
        t = self.trans.reshape(3, 1)
        bottom = torch.tensor([[0.0, 0.0, 0.0, 1.0]])
        return torch.cat([torch.cat([R, t], 1), bottom], 0)

    @classmethod
    def exp(cls, xi):
        if xi.dim() < 2:
            xi = xi.unsqueeze(dim=0)
        rho = xi[:, :3]
        phi = xi[:, 3:]
        rot = cls.RotationType.exp(phi)
        rot_jac = cls.RotationType.left_jacobian(phi)
        if rot_jac.dim() < 3:
            rot_jac.unsqueeze_(dim=0)
        if rho.dim() < 3:
            rho.unsqueeze_(dim=2)  # error: IPL002
        trans = torch.bmm(rot_jac, rho).squeeze_()
        return cls(rot, trans)


def mat2latlon(T):
    x, y, z = T[0, 3], T[1, 3], T[2, 3]
    theta = torch.asin(z / torch.norm(T[:3, 3]))
    azimuth = torch.atan2(y, x)
    return torch.stack([theta, azimuth])


def make_T(theta, azimuth, distance):
    return torch.stack([theta, torch.sin(azimuth), torch.cos(azimuth), distance])


class Zero123(nn.Module):
    def __init__(self):
        super().__init__()
        self.device = torch.device("cpu")
        self.cc = nn.Linear(4, 8)
        self.unet = nn.Linear(8 + 3 * 4 * 4, 1)

    def forward(self, batch):
        c = self.cc(batch["T"])
        x = torch.cat([batch["image_cond"].flatten(1), c], 1)
        return ((self.unet(x) - batch["image_target"].mean((1, 2, 3)).unsqueeze(1)) ** 2).mean()


def optimize_pose_loop(model, image_cond, image_target, T, default_radius, search_radius_range, max_step=3):
    # init xi in se(3)
    xi = torch.randn(6) * 1e-6
    xi.requires_grad_()
    optimizer = torch.optim.Adam([xi], lr=1e-2)

    total_loss = 0.0
    for step in range(max_step):
        optimizer.zero_grad()
        # se(3) -> SE(3)
        T_delta = SE3.exp(xi).as_matrix()
        T_ = T @ T_delta
        latlon = mat2latlon(T_).squeeze()
        theta, azimuth = latlon[0], latlon[1]
        distance = torch.sin(torch.norm(T_[:3, 3]) - default_radius) * search_radius_range
        idx = [0, 1] if torch.rand(1) < 0.5 else [1, 0]
        batch = {
            "image_cond": image_cond[idx],
            "image_target": image_target[idx],
            "T": torch.stack((make_T(theta, azimuth, distance),
                              make_T(-theta, -azimuth, -distance)))[idx].to(model.device),
        }
        loss = model(batch)
        total_loss += loss
        loss.backward()
        optimizer.step()
    return total_loss, theta, azimuth, distance


torch.manual_seed(0)
model = Zero123()
ref_image, qry_image = torch.rand(1, 3, 4, 4), torch.rand(1, 3, 4, 4)
image_cond = torch.cat((ref_image, qry_image))
image_target = torch.cat((qry_image, ref_image))
T = torch.eye(4)
T[:3, 3] = torch.tensor([0.6, 0.3, 0.7])
total_loss, theta, azimuth, distance = optimize_pose_loop(model, image_cond, image_target, T,
                                                          default_radius=1.0, search_radius_range=0.5)

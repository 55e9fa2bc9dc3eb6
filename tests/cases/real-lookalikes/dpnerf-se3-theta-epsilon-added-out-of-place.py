# case: dpnerf-se3-theta-epsilon-added-out-of-place
# source: https://github.com/dogyoonlee/DP-NeRF/issues/2
# expect: clean
# torch: clean
# check: torch.allclose(kernel.rigid_mlp[2].weight.grad, reference_grad, atol=1e-6) and float(reference_grad.abs().sum()) > 0

# The reporter's fix to SE3Field.warp: `theta = theta + 1.0e-10`, a new tensor, so the norm's saved result is left
# alone. Rigid_body.skew still fills its fresh zero buffer slice by slice (a buffer nothing saved before the writes).
# Same reduced rigid kernel, colour MLP and step as real-bugs/dpnerf-se3-theta-epsilon-added-in-place. The check
# recomputes the warp on copies made before the step with torch.linalg.matrix_exp of the 4x4 twist
# [[skew(rot), trans], [0, 0]] (the same rigid motion as exp_se3 of the screw axis times theta) and compares the
# rigid head's gradient.
import copy

import torch
import torch.nn as nn


class SE3Field():
    """
        warp the given points with rotation(r) and translation(v) value.
    """
    def __init__(self):
        super(SE3Field, self).__init__()
        self.rigid_body = Rigid_body()

    def warp(self, pts, rot, trans):
        '''
            one sample:
                        pts: N_rays*N_samples x 3
                        rot: N_rays*N_samples x 3
                        trans: N_rays*N_samples x 3
        '''
        theta = torch.linalg.norm(rot, axis=-1)  # N_rays*N_samples
        theta = theta + 1.0e-10
        rot = rot / theta.unsqueeze(-1)  # N_rays*N_samples x 3
        trans = trans / theta.unsqueeze(-1)  # N_rays*N_samples x 3
        screw_axis = torch.cat([rot, trans], axis=-1)  # N_rays*N_samples x 6
        transform = self.rigid_body.exp_se3(screw_axis, theta)  # N_rays*N_samples x 4 x 4

        warped_pts = torch.matmul(transform, self.rigid_body.to_homogenous(pts)[..., None]).squeeze(-1)
        warped_pts = self.rigid_body.from_homogenous(warped_pts)
        return warped_pts


class Rigid_body():
    def __init__(self):
        super(Rigid_body, self).__init__()

    def exp_se3(self, S, theta):
        '''
            Exponential map from Lie algebra so3 to Lie group SO3.
            Modern Robotics Eqn 3.88.
        '''
        w, v = torch.split(S, [3, 3], dim=-1)
        W = self.skew(w)
        R = self.exp_so3(w, theta)
        theta = theta[..., None, None]
        p = torch.matmul((theta * torch.eye(3)[None, ...] + (1.0 - torch.cos(theta)) * W +
                          (theta - torch.sin(theta)) * torch.matmul(W, W)), v[..., None])
        return self.rp_to_se3(R, p)

    def exp_so3(self, w, theta):
        """Exponential map from Lie algebra so3 to Lie group SO3.
            Modern Robotics Eqn 3.51, a.k.a. Rodrigues' formula.
        """
        W = self.skew(w)
        theta = theta[..., None, None]
        return (torch.eye(3)[None, ...] + torch.sin(theta) * W + (1.0 - torch.cos(theta)) * torch.matmul(W, W))

    def skew(self, w):
        """Build a skew matrix ("cross product matrix") for vector w.
            Modern Robotics Eqn 3.30.
        """
        w_new = torch.zeros_like(w).unsqueeze(1).repeat(1, 3, 1)  # W_ : Num_rays*Num_samples x 3 x 3
        w_re = torch.reshape(w_new, (w.shape[0], 9))
        w_re[..., 1] = -w[..., 2]
        w_re[..., 2] = w[..., 1]
        w_re[..., 3] = w[..., 2]
        w_re[..., 5] = -w[..., 0]
        w_re[..., 6] = -w[..., 1]
        w_re[..., 7] = w[..., 0]

        return w_re.reshape((w.shape[0], 3, 3))

    def rp_to_se3(self, R, p):
        """
            Rotation and translation to homogeneous transform.
        """
        RT_mat = torch.cat([R, p], -1)
        filling_mat = torch.tensor([0.0, 0.0, 0.0, 1.0])[None, None, ...].repeat(RT_mat.shape[0], 1, 1)
        return torch.cat([RT_mat, filling_mat], dim=-2)

    def to_homogenous(self, v):
        return torch.cat([v, torch.ones_like(v[..., :1])], axis=-1)

    def from_homogenous(self, v):
        return v[..., :3] / v[..., -1:]


class RigidBlurKernel(nn.Module):
    def __init__(self, embed_dim=8):
        super().__init__()
        self.se3 = SE3Field()
        self.rigid_mlp = nn.Sequential(nn.Linear(embed_dim, 32), nn.ReLU(), nn.Linear(32, 6))

    def forward(self, pts, ray_embedding):
        rot, trans = self.rigid_mlp(ray_embedding).split(3, dim=-1)
        return self.se3.warp(pts, rot, trans)


torch.manual_seed(0)
kernel = RigidBlurKernel()
color_mlp = nn.Sequential(nn.Linear(3, 32), nn.ReLU(), nn.Linear(32, 3), nn.Sigmoid())
ref_kernel, ref_color_mlp = copy.deepcopy((kernel, color_mlp))
optimizer = torch.optim.Adam(list(kernel.parameters()) + list(color_mlp.parameters()), lr=5e-4)
n_rays, n_samples = 4, 6
pts = torch.randn(n_rays * n_samples, 3)
ray_embedding = torch.randn(n_rays, 8).repeat_interleave(n_samples, dim=0)
target_rgb = torch.rand(n_rays, 3)
optimizer.zero_grad()
warped_pts = kernel(pts, ray_embedding)
rgb = color_mlp(warped_pts).view(n_rays, n_samples, 3).mean(1)
loss = ((rgb - target_rgb) ** 2).mean()
loss.backward()
optimizer.step()

# reference: the same rigid motion as a matrix exponential of the twist
rot, trans = ref_kernel.rigid_mlp(ray_embedding).split(3, dim=-1)
zero = torch.zeros_like(rot[:, 0])
skew_rot = torch.stack([torch.stack([zero, -rot[:, 2], rot[:, 1]], -1),
                        torch.stack([rot[:, 2], zero, -rot[:, 0]], -1),
                        torch.stack([-rot[:, 1], rot[:, 0], zero], -1)], dim=-2)
twist = torch.cat([torch.cat([skew_rot, trans[..., None]], -1), torch.zeros(rot.shape[0], 1, 4)], dim=-2)
transform = torch.linalg.matrix_exp(twist)
warped_ref = (transform[:, :3, :3] @ pts[..., None]).squeeze(-1) + transform[:, :3, 3]
rgb_ref = ref_color_mlp(warped_ref).view(n_rays, n_samples, 3).mean(1)
((rgb_ref - target_rgb) ** 2).mean().backward()
reference_grad = ref_kernel.rigid_mlp[2].weight.grad

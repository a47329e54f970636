"""Exact collective-spin algebra in the symmetric subspace (dimension N+1).

Basis: Dicke index ``k = 0..N`` (number of excited atoms), ``M = k - N/2``
ascending; see ``CONVENTIONS.md`` and :mod:`qclock_circuits.spin.qutip_bridge`
for QuTiP's reversed order.
"""

from .operators import (
    collective_operators,
    jminus,
    jplus,
    jx,
    jy,
    jz,
    ladder_elements,
    magnetic_numbers,
    spin_component,
    spin_moments,
)
from .qutip_bridge import from_qobj, to_qobj
from .rotations import (
    angles_to_axis,
    apply_rotation,
    apply_su2,
    apply_twist,
    apply_y_rotation,
    axis_to_angles,
    frame_rotation,
    jx_eigensystem,
    rotation_matrix,
    su2_matrix,
    su2_to_zyz,
    twist_matrix,
    wigner_small_d,
)
from .states import (
    coherent_state,
    dicke_populations,
    dicke_state,
    embed_symmetric,
    ghz_state,
    ground_state,
    sine_state,
)

__all__ = [
    "collective_operators", "jminus", "jplus", "jx", "jy", "jz", "ladder_elements",
    "magnetic_numbers", "spin_component", "spin_moments",
    "from_qobj", "to_qobj",
    "angles_to_axis", "apply_rotation", "apply_su2", "apply_twist", "apply_y_rotation",
    "axis_to_angles", "frame_rotation", "jx_eigensystem", "rotation_matrix", "su2_matrix",
    "su2_to_zyz", "twist_matrix", "wigner_small_d",
    "coherent_state", "dicke_populations", "dicke_state", "embed_symmetric", "ghz_state",
    "ground_state", "sine_state",
]

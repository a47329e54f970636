"""The user's surface for design studies: the study itself, its figures and its report.

Layer: top (imports ``optimize``, ``clock``, ``circuits``, ``runtime``); used by ``cli``.
"""

from .design import DEFAULT_DESIGN_CLASSES, DesignResult, DesignSpec, protocol_of_point, run_design
from .writer import render_report, write_design

__all__ = ["DEFAULT_DESIGN_CLASSES", "DesignResult", "DesignSpec", "protocol_of_point", "run_design",
           "render_report", "write_design"]

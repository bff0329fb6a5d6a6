"""matcalc: symbolic matrix calculus by the differential approach.

    >>> import matcalc
    >>> matcalc.grad("tr(AX^2BX^-T)", "X")
"""
from .errors import (DeclarationError, EvaluationError, MatcalcError, NotSupportedError, ParseError, ShapeError,
                     UnknownNameError)
from .expression import Expression, parse
from .api import differential, grad, hessian, hvp, jacobian

__all__ = ["parse", "differential", "grad", "jacobian", "hessian", "hvp", "Expression", "MatcalcError", "ParseError", "ShapeError", "DeclarationError",
           "UnknownNameError", "NotSupportedError", "EvaluationError"]
__version__ = "0.1.0"

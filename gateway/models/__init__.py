"""All database models; importing this package registers every table on ``Base.metadata``."""

from gateway.models import audit, inductions, payments, schools, teachers, training
from gateway.models.base import Base

__all__ = ["Base", "audit", "inductions", "payments", "schools", "teachers", "training"]

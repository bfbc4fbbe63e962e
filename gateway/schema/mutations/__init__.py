"""The root Mutation: each domain's mutations, one module per domain."""

from __future__ import annotations

import strawberry

from gateway.schema.mutations.declarations import DeclarationMutations
from gateway.schema.mutations.inductions import InductionMutations
from gateway.schema.mutations.payments import PaymentMutations
from gateway.schema.mutations.schools import SchoolMutations
from gateway.schema.mutations.training import TrainingMutations


@strawberry.type(
    description="Change the early career teacher services. Each field is one transaction: "
    "it either succeeds whole or changes nothing and says why in userErrors."
)
class Mutation(
    InductionMutations,
    SchoolMutations,
    TrainingMutations,
    DeclarationMutations,
    PaymentMutations,
):
    pass

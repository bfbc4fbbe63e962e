"""Deterministic, realistic seed data for every domain (see ``seed_database``).

Modules, in the order the generator uses them: ``cohorts`` (contract periods, schedules,
milestones), ``providers`` (lead providers, delivery partners and their partnerships),
``contracts`` (fee structures), ``appropriate_bodies``, ``schools``, ``people`` (teachers
and their TRS records), ``careers`` (school periods, mentorships, inductions),
``partnerships`` and ``training`` (training periods), ``statements``, ``declarations``;
``writer`` writes the rows, ``seeder`` ties it together.
"""

from gateway.seed.seeder import seed_database
from gateway.seed.writer import SeedRefused

__all__ = ["SeedRefused", "seed_database"]

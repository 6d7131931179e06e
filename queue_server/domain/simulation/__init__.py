"""A discrete-event simulation of a hall's day, driving the live calling policy (pure, stdlib only).

``model`` describes a day (services, windows, who serves what when), ``engine`` runs one
replication of it through ``queue_server.domain.policy.choose_next``, ``summary`` turns many
replications into figures with confidence intervals, ``theory`` holds the textbook formulas the
simulator is validated against, and ``search`` proposes a better allocation. docs/advisor.md.
"""

"""Mutation testing of the client and the coordinator (issue #18): `scripts/mutate`.

cosmic-ray makes the mutants (`generate`, in the tool's own virtualenv); this
package runs the tests that can see each one, in a process forked from one that
has already imported pytest and Home Assistant, on a copy of the tree.
"""

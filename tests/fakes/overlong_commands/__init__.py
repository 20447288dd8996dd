"""A command Discord refuses (its description is 101 characters), for the tests of a refused registration.

Served next to the real commands by the test launcher with MARKETBOT_TEST_COMMANDS=tests.fakes.overlong_commands.
"""

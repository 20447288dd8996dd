"""The shared machinery under every command: declarations, options, answers, rendering, the Responder.

Modules that import Discord: respond, render, errors, buttons, slash, autocomplete. The rest is
Discord-free, so that worker processes computing answers never import discord.py.
"""

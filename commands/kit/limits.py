"""Discord's documented limits, in one place: what every message and command we send must fit.

From Discord's developer documentation (github.com/discord/discord-api-docs, August 2026):
developers/resources/message.mdx (content, embeds and their limits), developers/components/reference.mdx
(action rows, buttons, select menus), developers/interactions/application-commands.mdx (commands).
"""

from __future__ import annotations

# A message
CONTENT_MAX = 2000
EMBEDS_MAX = 10
# An embed's parts; EMBED_TOTAL_MAX counts title, description, field names and values, footer and
# author name across all the embeds of one message.
TITLE_MAX, DESCRIPTION_MAX, FIELDS_MAX, FIELD_NAME_MAX, FIELD_VALUE_MAX, FOOTER_MAX, EMBED_TOTAL_MAX = (
    256,
    4096,
    25,
    256,
    1024,
    2048,
    6000,
)

# Components
ACTION_ROWS_MAX = 5
BUTTONS_PER_ROW_MAX = 5
CUSTOM_ID_MAX = 100
BUTTON_LABEL_MAX = 80
SELECT_OPTIONS_MAX = 25
SELECT_TEXT_MAX = 100  # an option's label and value

# Application commands
GLOBAL_COMMANDS_MAX = 100  # CHAT_INPUT commands
NAME_MAX = 32
DESCRIPTION_TEXT_MAX = 100  # a command's, a group's, an option's
OPTIONS_MAX = 25
CHOICES_MAX = 25
CHOICE_TEXT_MAX = 100
COMMAND_TOTAL_MAX = 8000  # names, descriptions and values of a command, its options and choices together
AUTOCOMPLETE_CHOICES_MAX = 25

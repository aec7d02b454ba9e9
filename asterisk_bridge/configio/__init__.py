"""Declarative export and import of the provisioned state (``voco config``).

Importing this package registers the built-in sections in dependency order (the PBX entities,
then the contacts whose grants name extensions, then the recording policy, then the notification
door and rules); another domain adds its own with
:func:`asterisk_bridge.configio.registry.register`.
"""

from asterisk_bridge.configio import contacts, provisioned, recording
from asterisk_bridge.configio.registry import register
from asterisk_bridge.notifications import configio as notifications

for _section in (*provisioned.SECTIONS, *contacts.SECTIONS, *recording.SECTIONS,
                 *notifications.SECTIONS):
    register(_section)

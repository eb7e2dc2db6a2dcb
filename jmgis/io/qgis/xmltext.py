"""XML text of the QGIS files, refused when a value holds a character XML cannot carry.

ElementTree escapes markup (``<``, ``&``, quotes), so names from data can never become
elements or attributes; but it writes control characters such as U+0001 as they are, and
QGIS then refuses the whole project or style as malformed XML.  Such a value is an error
naming the element and the text, not a silently broken file.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from jmgis.errors import DataError

# Characters outside XML 1.0's Char production.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def checked_tostring(root: ET.Element) -> str:
    """``root`` serialised as text, after checking every text and attribute value.

    Parameters
    ----------
    root
        The document's root element.

    Returns
    -------
    str
        The XML (without declaration).

    Raises
    ------
    DataError
        A value holds a character XML 1.0 cannot represent.
    """
    for elem in root.iter():
        values = [("text", elem.text), ("tail", elem.tail), *elem.attrib.items()]
        for where, value in values:
            if value and (bad := _NOT_XML.search(value)):
                raise DataError(
                    f"{value!r} has the character U+{ord(bad.group(0)):04X}, which a QGIS "
                    "file (XML) cannot hold; remove it from the data",
                    field=f"<{elem.tag}> {where}",
                )
    return ET.tostring(root, encoding="unicode")

"""大屏: the unattended full-screen carousel for briefings (drawn by components/kiosk.py)."""

from components import kiosk

kiosk.show()

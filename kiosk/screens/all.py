"""Importing this registers every screen and widget class with Kivy's Factory (kv files name them)."""

from kiosk.screens.card import CardScreen
from kiosk.screens.checkin import CheckinScreen
from kiosk.screens.guide import GuideScreen
from kiosk.screens.holder import HolderScreen
from kiosk.screens.reprint import ReprintScreen
from kiosk.screens.start import StartScreen
from kiosk.screens.take import TakeScreen
from kiosk.screens.ticket import TicketScreen
from kiosk.screens.widgets import (
    BusyView,
    ChoiceView,
    HoldLabel,
    InputField,
    KButton,
    Keypad,
    KScrollView,
    NoticeView,
    QrImage,
    ServiceButton,
    ServiceList,
)

__all__ = [
    "BusyView",
    "CardScreen",
    "CheckinScreen",
    "ChoiceView",
    "GuideScreen",
    "HoldLabel",
    "HolderScreen",
    "InputField",
    "KButton",
    "KScrollView",
    "Keypad",
    "NoticeView",
    "QrImage",
    "ReprintScreen",
    "ServiceButton",
    "ServiceList",
    "StartScreen",
    "TakeScreen",
    "TicketScreen",
]

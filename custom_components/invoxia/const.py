"""Constants of the Invoxia integration."""

from datetime import timedelta
import logging
from typing import Final

DOMAIN: Final = "invoxia"
LOGGER: Final = logging.getLogger(__package__)

CONF_API_URL: Final = "api_url"
CONF_MAX_ACCURACY: Final = "max_accuracy"
CONF_TRACKERS: Final = "trackers"
CONF_IMPORT_NEW: Final = "import_new"
# The serial numbers listed when the trackers to import were chosen: any other one is
# a newcomer, imported when CONF_IMPORT_NEW says so.
CONF_OFFERED: Final = "offered_trackers"
MIN_MAX_ACCURACY: Final = 10
MAX_MAX_ACCURACY: Final = 5000

CONF_ADAPTIVE: Final = "adaptive"
# The longest interval between polls; in fixed mode, the interval itself.
DEFAULT_SCAN_INTERVAL: Final = timedelta(seconds=300)
MIN_SCAN_INTERVAL: Final = timedelta(seconds=30)
MAX_SCAN_INTERVAL: Final = timedelta(hours=1)
# After a rate limit, polling waits what the API asks, but never longer than this.
MAX_RETRY_AFTER: Final = timedelta(hours=1)
# A fix dated further ahead than this comes from a tracker whose clock runs ahead.
MAX_CLOCK_AHEAD: Final = timedelta(minutes=5)

# Location histories are fetched concurrently, but never more than this many at once.
MAX_CONCURRENT_REQUESTS: Final = 16

# A tracker's subscription is warned of this long before it ends.
SUBSCRIPTION_WARNING: Final = timedelta(days=14)

MANUFACTURER: Final = "Invoxia"
WEB_APP_URL: Final = "https://gps.invoxia.com/"

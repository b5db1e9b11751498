"""Exercise 3: the landing zone. Turn the sensor on, deliver a day, see exactly-once at work."""

TITLE = "The landing zone: turn the sensor on, deliver a day, see exactly-once"
START_HINT = "landing_zone_sensor is off"

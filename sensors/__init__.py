"""Landing-zone sensors: a new file in the landing zone starts exactly the work it needs.

`storage` lists a folder or a bucket, `deliveries` decides what a listing means, and
`landing_zone_sensor` turns that into runs; `graduated_platform.definitions` registers them.
"""

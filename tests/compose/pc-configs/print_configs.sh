#!/bin/sh
cat /run/secrets/* /podman_compose_test_config_2 /etc/custom_location 2>&1

#ifndef HELSEBRO_CMOSQUITTO_SHIM_H
#define HELSEBRO_CMOSQUITTO_SHIM_H
#include <mosquitto.h>
#include <mqtt_protocol.h>
#endif

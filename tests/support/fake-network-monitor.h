/* fake-network-monitor.h: a GNetworkMonitor the test switches
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The network is what the test says it is: fake_network_monitor_set_available()
 * changes GNetworkMonitor:network-available and emits
 * GNetworkMonitor::network-changed, as GLib's own monitors do when a
 * link comes or goes. fake_network_monitor_announce() emits
 * ::network-changed without a change of availability, as a switch from
 * one network to another does.
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define FAKE_TYPE_NETWORK_MONITOR (fake_network_monitor_get_type ())
G_DECLARE_FINAL_TYPE (FakeNetworkMonitor, fake_network_monitor, FAKE, NETWORK_MONITOR, GObject)

/* A monitor that says the network is available. */
FakeNetworkMonitor *fake_network_monitor_new (void);

void fake_network_monitor_set_available (FakeNetworkMonitor *self,
                                         gboolean            available);
void fake_network_monitor_announce (FakeNetworkMonitor *self);

/* Whether anything is connected to ::network-changed. */
gboolean fake_network_monitor_is_watched (FakeNetworkMonitor *self);

G_END_DECLS

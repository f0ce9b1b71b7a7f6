/* fake-network-monitor.c: a GNetworkMonitor the test switches
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "fake-network-monitor.h"

struct _FakeNetworkMonitor {
  GObject parent_instance;
  gboolean available;
};

enum {
  PROP_0,
  PROP_NETWORK_AVAILABLE,
  PROP_NETWORK_METERED,
  PROP_CONNECTIVITY,
};

static void fake_network_monitor_iface_init (GNetworkMonitorInterface *iface);
static void fake_network_monitor_initable_iface_init (GInitableIface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (FakeNetworkMonitor, fake_network_monitor, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_INITABLE,
                                                      fake_network_monitor_initable_iface_init)
                               G_IMPLEMENT_INTERFACE (G_TYPE_NETWORK_MONITOR,
                                                      fake_network_monitor_iface_init))

static void
fake_network_monitor_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  FakeNetworkMonitor *self = FAKE_NETWORK_MONITOR (object);

  switch (prop_id)
    {
    case PROP_NETWORK_AVAILABLE:
      g_value_set_boolean (value, self->available);
      break;
    case PROP_NETWORK_METERED:
      g_value_set_boolean (value, FALSE);
      break;
    case PROP_CONNECTIVITY:
      g_value_set_enum (value, self->available ? G_NETWORK_CONNECTIVITY_FULL
                                               : G_NETWORK_CONNECTIVITY_LOCAL);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
fake_network_monitor_class_init (FakeNetworkMonitorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = fake_network_monitor_get_property;
  g_object_class_override_property (object_class, PROP_NETWORK_AVAILABLE, "network-available");
  g_object_class_override_property (object_class, PROP_NETWORK_METERED, "network-metered");
  g_object_class_override_property (object_class, PROP_CONNECTIVITY, "connectivity");
}

static void
fake_network_monitor_init (FakeNetworkMonitor *self)
{
  self->available = TRUE;
}

static gboolean
fake_network_monitor_initable_init (GInitable     *initable,
                                    GCancellable  *cancellable,
                                    GError       **error)
{
  return TRUE;
}

static void
fake_network_monitor_initable_iface_init (GInitableIface *iface)
{
  iface->init = fake_network_monitor_initable_init;
}

/* Everything is reachable while the network is up: the tests only use
 * loopback. */
static gboolean
fake_network_monitor_can_reach (GNetworkMonitor     *monitor,
                                GSocketConnectable  *connectable,
                                GCancellable        *cancellable,
                                GError             **error)
{
  FakeNetworkMonitor *self = FAKE_NETWORK_MONITOR (monitor);

  if (!self->available)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NETWORK_UNREACHABLE,
                           "The fake network is down");
      return FALSE;
    }
  return TRUE;
}

static void
fake_network_monitor_iface_init (GNetworkMonitorInterface *iface)
{
  iface->can_reach = fake_network_monitor_can_reach;
}

FakeNetworkMonitor *
fake_network_monitor_new (void)
{
  return g_object_new (FAKE_TYPE_NETWORK_MONITOR, NULL);
}

void
fake_network_monitor_set_available (FakeNetworkMonitor *self,
                                    gboolean            available)
{
  g_return_if_fail (FAKE_IS_NETWORK_MONITOR (self));

  available = !!available;
  if (self->available != available)
    {
      self->available = available;
      g_object_notify (G_OBJECT (self), "network-available");
      g_object_notify (G_OBJECT (self), "connectivity");
    }
  g_signal_emit_by_name (self, "network-changed", available);
}

void
fake_network_monitor_announce (FakeNetworkMonitor *self)
{
  g_return_if_fail (FAKE_IS_NETWORK_MONITOR (self));

  g_signal_emit_by_name (self, "network-changed", self->available);
}

gboolean
fake_network_monitor_is_watched (FakeNetworkMonitor *self)
{
  guint signal_id = g_signal_lookup ("network-changed", G_TYPE_NETWORK_MONITOR);

  g_return_val_if_fail (FAKE_IS_NETWORK_MONITOR (self), FALSE);
  return g_signal_has_handler_pending (self, signal_id, 0, FALSE);
}

/**
 * Alertmanager (Debian 12's prometheus-alertmanager 0.25) beside Prometheus. Its receiver is a
 * secret (`homelab:alertReceiver`): a webhook (seed 002's n8n → Telegram: the n8n workflow's
 * webhook URL), e-mail, or Slack. The whole alertmanager.yml therefore travels on the command's
 * stdin, never in the script's text. Field names: alertmanager config/config.go and
 * config/notifiers.go at v0.25.0 (WebhookConfig.URL/SendResolved, EmailConfig.To/From/Smarthost/
 * AuthUsername/AuthPassword/RequireTLS, SlackConfig.APIURL/Channel); `amtool check-config` (from
 * the same package) checks every shape in test/real/monitoring.test.ts.
 */
import { stringify } from "yaml";
import { z } from "zod";

/** `homelab:alertReceiver` (secret): where alerts go. */
export const AlertReceiverSchema = z
  .strictObject({
    /** POST of Alertmanager's webhook JSON (e.g. an n8n workflow that forwards to Telegram). */
    webhook: z.strictObject({ url: z.string().regex(/^https?:\/\/\S+$/, "must be an http(s) URL"), sendResolved: z.boolean().default(true) }).optional(),
    email: z
      .strictObject({
        to: z.string().min(3),
        from: z.string().min(3),
        /** `host:port` of the SMTP relay. */
        smarthost: z.string().regex(/^[^\s:]+:\d+$/, "must be host:port"),
        username: z.string().optional(),
        password: z.string().optional(),
        requireTls: z.boolean().default(true),
      })
      .optional(),
    slack: z.strictObject({ apiUrl: z.string().regex(/^https:\/\/\S+$/, "must be an https URL"), channel: z.string().min(1) }).optional(),
  })
  .refine((r) => !!(r.webhook || r.email || r.slack), { message: "set at least one of webhook, email, slack" });
export type AlertReceiver = z.infer<typeof AlertReceiverSchema>;

/** alertmanager.yml; without a receiver every alert goes to a receiver that notifies nobody (the plan warns). */
export function renderAlertmanagerConfig(receiver: AlertReceiver | undefined): string {
  const r: Record<string, unknown> = { name: "homelab" };
  if (receiver?.webhook) r.webhook_configs = [{ url: receiver.webhook.url, send_resolved: receiver.webhook.sendResolved }];
  if (receiver?.email) {
    const e = receiver.email;
    r.email_configs = [
      { to: e.to, from: e.from, smarthost: e.smarthost, require_tls: e.requireTls, ...(e.username ? { auth_username: e.username } : {}), ...(e.password ? { auth_password: e.password } : {}), send_resolved: true },
    ];
  }
  if (receiver?.slack) r.slack_configs = [{ api_url: receiver.slack.apiUrl, channel: receiver.slack.channel, send_resolved: true }];
  const doc = {
    route: { receiver: "homelab", group_by: ["alertname", "site", "instance"], group_wait: "30s", group_interval: "5m", repeat_interval: "4h" },
    // A host that is down makes its other alerts noise.
    inhibit_rules: [{ source_matchers: ['alertname="TargetDown"', 'job="node"'], target_matchers: ['severity="warning"'], equal: ["site", "instance"] }],
    receivers: [r],
  };
  return "# Managed by homelab (components/monitoring/render/alertmanager.ts). Holds the receiver's secrets: mode 0640.\n" + stringify(doc, { lineWidth: 0 });
}

/** /etc/default/prometheus-alertmanager: local only (Prometheus beside it), no cluster. */
export function renderAlertmanagerArgs(): string {
  return '# Managed by homelab (components/monitoring/render/alertmanager.ts).\nARGS="--config.file=/etc/prometheus/alertmanager.yml --web.listen-address=127.0.0.1:9093 --cluster.listen-address="\n';
}

"""Where alarms go and where people look: one encrypted, TLS-only SNS topic every alarm notifies (with an optional
e-mail subscription) and one CloudWatch dashboard. Other constructs add their own alarms and widgets to both."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct


def alarm_name(scope: Construct, name: str) -> str:
    """``<stack>-<name>``: readable in a notification, unique per stack."""
    return f"{Stack.of(scope).stack_name}-{name}"


def alarm_id(name: str) -> str:
    """The construct id of the alarm called ``name`` (``fargate-5xx-share`` -> ``Fargate5XxShare``)."""
    return "".join(part.title() for part in name.split("-"))


def notify(alarm: cloudwatch.Alarm, action: actions.SnsAction) -> cloudwatch.Alarm:
    """Send ``alarm``'s ALARM and OK transitions to ``action``'s topic."""
    alarm.add_alarm_action(action)
    alarm.add_ok_action(action)
    return alarm


class Monitoring(Construct):
    """``topic`` (KMS-encrypted with ``key``, which CloudWatch may use to publish; TLS-only), ``dashboard``, and
    ``alarms`` by name. ``add_alarm`` sends an alarm's ALARM and OK transitions to the topic; ``add_row`` puts
    widgets side by side on the dashboard (a data-capture or drift construct adds its own the same way).
    """

    def __init__(self, scope: Construct, id_: str, *, alarm_email: str | None) -> None:
        super().__init__(scope, id_)
        self.key = kms.Key(
            self,
            "TopicKey",
            enable_key_rotation=True,
            description="Encrypts the alarm topic",
            removal_policy=RemovalPolicy.DESTROY,
        )
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="CloudWatchAlarmsPublish",
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                resources=["*"],  # in a key policy, "*" is this key
                conditions={"StringEquals": {"aws:SourceAccount": Stack.of(self).account}},
            )
        )
        self.topic = sns.Topic(self, "AlarmTopic", master_key=self.key, enforce_ssl=True, display_name="Serving alarms")
        if alarm_email is not None:
            self.topic.add_subscription(subscriptions.EmailSubscription(alarm_email))
        self.action = actions.SnsAction(self.topic)
        self.dashboard = cloudwatch.Dashboard(
            self, "Dashboard", default_interval=Duration.hours(3), period_override=cloudwatch.PeriodOverride.AUTO
        )
        self.alarms: dict[str, cloudwatch.Alarm] = {}

    def add_alarm(self, name: str, alarm: cloudwatch.Alarm) -> cloudwatch.Alarm:
        """Notify the topic when ``alarm`` fires and when it clears; ``name`` is how ``alarms`` knows it."""
        if name in self.alarms:
            raise ValueError(f"an alarm named {name!r} is already monitored")
        self.alarms[name] = notify(alarm, self.action)
        return alarm

    def alarm_name(self, name: str) -> str:
        return alarm_name(self, name)

    def add_row(self, *widgets: cloudwatch.IWidget) -> None:
        self.dashboard.add_widgets(*widgets)  # one call: one row

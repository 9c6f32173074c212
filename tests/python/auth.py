"""Authentication and RBAC through the official client: a ServiceAccount token from
TokenRequest, who it is (SelfSubjectReview, TokenReview), refusals with the real 401/403
Status, RBAC objects from RbacAuthorizationV1Api granting a custom verb, and the access
reviews (SelfSubjectAccessReview, SubjectAccessReview, SelfSubjectRulesReview)."""

from kubernetes import client

from common import NS, check, equal, main, refused, rollout_body

GROUP, VERSION, PLURAL = "ramp.dev", "v1alpha1", "rollouts"
SA = "robot"
USER = f"system:serviceaccount:{NS}:{SA}"
STATE = {}


def as_token(api, token):
    """An ApiClient like `api` (the admin's) whose requests carry `token`."""
    cfg = client.Configuration()
    cfg.host = api.configuration.host
    cfg.verify_ssl = api.configuration.verify_ssl
    cfg.ssl_ca_cert = api.configuration.ssl_ca_cert
    cfg.api_key = {"authorization": token}
    cfg.api_key_prefix = {"authorization": "Bearer"}
    return client.ApiClient(cfg)


def token_request_issues_a_token(api):
    core = client.CoreV1Api(api)
    core.create_namespaced_service_account(NS, client.V1ServiceAccount(metadata=client.V1ObjectMeta(name=SA)))
    made = core.create_namespaced_service_account_token(
        SA, NS, client.AuthenticationV1TokenRequest(spec=client.V1TokenRequestSpec(audiences=[], expiration_seconds=3600)))
    check(made.status.token.count(".") == 2, f"a JWT-shaped token: {made.status.token!r}")
    check(made.status.expiration_timestamp is not None, "expiration timestamp")
    STATE["token"] = made.status.token
    refused(404, "NotFound", core.create_namespaced_service_account_token, "ghost", NS,
            client.AuthenticationV1TokenRequest(spec=client.V1TokenRequestSpec(audiences=[])))


def the_token_is_the_service_account(api):
    robot = as_token(api, STATE["token"])
    me = client.AuthenticationV1Api(robot).create_self_subject_review(client.V1SelfSubjectReview())
    equal(me.status.user_info.username, USER, "SelfSubjectReview username")
    equal(me.status.user_info.groups, ["system:serviceaccounts", f"system:serviceaccounts:{NS}", "system:authenticated"],
          "SelfSubjectReview groups")
    review = client.AuthenticationV1Api(api).create_token_review(
        client.V1TokenReview(spec=client.V1TokenReviewSpec(token=STATE["token"])))
    check(review.status.authenticated, "TokenReview authenticated")
    equal(review.status.user.username, USER, "TokenReview username")
    bad = client.AuthenticationV1Api(api).create_token_review(
        client.V1TokenReview(spec=client.V1TokenReviewSpec(token="not-a-token")))
    equal((bad.status.authenticated, bad.status.error), (None, "invalid bearer token"), "TokenReview of a bad token")
    status = refused(401, "Unauthorized", client.CoreV1Api(as_token(api, "not-a-token")).list_namespaced_pod, NS)
    equal(status.get("message"), "Unauthorized", "401 message")


def refused_until_granted(api):
    custom = client.CustomObjectsApi(api)
    custom.create_namespaced_custom_object(GROUP, VERSION, NS, PLURAL, rollout_body("web"))
    robot = client.CustomObjectsApi(as_token(api, STATE["token"]))
    status = refused(403, "Forbidden", robot.list_namespaced_custom_object, GROUP, VERSION, NS, PLURAL)
    equal(status.get("message"),
          f'rollouts.ramp.dev is forbidden: User "{USER}" cannot list resource "rollouts" in API group "ramp.dev" in the namespace "{NS}"',
          "403 message")
    equal(status.get("details"), {"group": GROUP, "kind": PLURAL}, "403 details")

    rbac = client.RbacAuthorizationV1Api(api)
    rbac.create_namespaced_role(NS, client.V1Role(
        metadata=client.V1ObjectMeta(name="rollout-operator"),
        rules=[client.V1PolicyRule(api_groups=[GROUP], resources=[PLURAL], verbs=["get", "list", "patch", "approve"])]))
    rbac.create_namespaced_role_binding(NS, client.V1RoleBinding(
        metadata=client.V1ObjectMeta(name="robot-operates"),
        role_ref=client.V1RoleRef(api_group="rbac.authorization.k8s.io", kind="Role", name="rollout-operator"),
        subjects=[client.RbacV1Subject(kind="ServiceAccount", name=SA, namespace=NS)]))
    listed = robot.list_namespaced_custom_object(GROUP, VERSION, NS, PLURAL)
    equal([r["metadata"]["name"] for r in listed["items"]], ["web"], "list once granted")
    patched = robot.patch_namespaced_custom_object(GROUP, VERSION, NS, PLURAL, "web", {"spec": {"paused": True}})
    equal(patched["spec"].get("paused"), True, "patch once granted")
    status = refused(403, "Forbidden", robot.delete_namespaced_custom_object, GROUP, VERSION, NS, PLURAL, "web")
    equal(status.get("details"), {"name": "web", "group": GROUP, "kind": PLURAL}, "403 details of a named object")


def access_reviews_answer_for_custom_verbs(api):
    attrs = client.V1ResourceAttributes(namespace=NS, verb="approve", group=GROUP, resource=PLURAL, name="web")
    robot = client.AuthorizationV1Api(as_token(api, STATE["token"]))
    mine = robot.create_self_subject_access_review(
        client.V1SelfSubjectAccessReview(spec=client.V1SelfSubjectAccessReviewSpec(resource_attributes=attrs)))
    check(mine.status.allowed, f"robot may approve: {mine.status}")
    theirs = client.AuthorizationV1Api(api).create_subject_access_review(client.V1SubjectAccessReview(
        spec=client.V1SubjectAccessReviewSpec(user="alice", groups=["system:authenticated"], resource_attributes=attrs)))
    equal(theirs.status.allowed, False, "alice may not approve")
    granted = client.AuthorizationV1Api(api).create_subject_access_review(client.V1SubjectAccessReview(
        spec=client.V1SubjectAccessReviewSpec(user=USER, resource_attributes=attrs)))
    equal(granted.status.reason,
          f'RBAC: allowed by RoleBinding "robot-operates/{NS}" of Role "rollout-operator" to ServiceAccount "{SA}/{NS}"',
          "SubjectAccessReview reason")
    rules = robot.create_self_subject_rules_review(
        client.V1SelfSubjectRulesReview(spec=client.V1SelfSubjectRulesReviewSpec(namespace=NS)))
    check(any(r.resources == [PLURAL] and "approve" in r.verbs for r in rules.status.resource_rules),
          f"rules review lists the grant: {rules.status.resource_rules}")


if __name__ == "__main__":
    main([token_request_issues_a_token, the_token_is_the_service_account, refused_until_granted,
          access_reviews_answer_for_custom_verbs])

-- Argo CD health check for Ramp's Rollout (ramp.dev/v1alpha1).
-- Install it in argocd-cm:
--   resource.customizations.health.ramp.dev_Rollout: |
--     <this file>
-- Healthy: every replica runs the updated revision. Suspended: paused at a pause, approval or
-- webhook gate, waiting for a person. Degraded: aborted, no progress for progressDeadline, or
-- an invalid spec. Progressing: anything else, including a spec the controller has not seen yet.
local hs = { status = "Progressing", message = "Waiting for the Ramp controller" }
if obj.status == nil then
  return hs
end
local st = obj.status
if obj.metadata.generation ~= nil and (st.observedGeneration == nil or st.observedGeneration < obj.metadata.generation) then
  hs.message = "Waiting for the Ramp controller to observe generation " .. obj.metadata.generation
  return hs
end
if st.conditions ~= nil then
  for _, c in ipairs(st.conditions) do
    if c.type == "InvalidSpec" and c.status == "True" then
      hs.status = "Degraded"
      hs.message = c.message
      return hs
    end
  end
end
if st.phase == "Healthy" then
  hs.status = "Healthy"
elseif st.phase == "Paused" then
  hs.status = "Suspended"
elseif st.phase == "Aborted" or st.phase == "Degraded" then
  hs.status = "Degraded"
else
  hs.status = "Progressing"
end
if st.message ~= nil then
  hs.message = st.message
end
return hs

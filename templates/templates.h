/* templates — the artefact templates, embedded at build time from the files beside this
 * header (templates/CMakeLists.txt). Each is NUL-terminated; `_len` excludes the NUL.
 * Slots are written <%context name%>, conditionals <%if name%> ... <%else%> ... <%end%>;
 * generator/emit_tpl.h renders them. Files without slots are copied as they are. */
#ifndef MODAK_TEMPLATES_H
#define MODAK_TEMPLATES_H

#define MODAK_TEMPLATE(sym)                                                                        \
    extern const char sym[];                                                                       \
    extern const unsigned long sym##_len;

/* playbooks/ (emit_ansible.c) */
MODAK_TEMPLATE(tpl_ansible_deploy_yml_in)        /* deploy.yml: head */
MODAK_TEMPLATE(tpl_ansible_deploy_play_yml_in)   /* deploy.yml: one play per node */
MODAK_TEMPLATE(tpl_ansible_undeploy_yml_in)      /* undeploy.yml: head */
MODAK_TEMPLATE(tpl_ansible_undeploy_play_yml_in) /* undeploy.yml: one play per node */
MODAK_TEMPLATE(tpl_ansible_vars_yml_in)          /* vars/<node>.yml */
MODAK_TEMPLATE(tpl_ansible_deploy_node_yml)      /* tasks/deploy-node.yml (no slots) */
MODAK_TEMPLATE(tpl_ansible_undeploy_node_yml)    /* tasks/undeploy-node.yml (no slots) */
/* containers/<node>/ (emit_container.c) */
MODAK_TEMPLATE(tpl_container_Dockerfile_in)
MODAK_TEMPLATE(tpl_container_Singularity_def_in)

#undef MODAK_TEMPLATE
#endif

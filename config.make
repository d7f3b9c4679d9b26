# Builds the C++ core archive through the module's own Makefile, so that
# "./configure --add-dynamic-module=..." in any nginx tree just works.

cat << END                                                    >> $NGX_MAKEFILE

$SP_CORE_LIB:	status_policy_core

.PHONY:	status_policy_core
status_policy_core:
	\$(MAKE) -C $ngx_addon_dir core BUILD=`dirname \`dirname $SP_CORE_LIB\`` \
	    SP_VECTORSCAN=$STATUS_POLICY_VECTORSCAN

END

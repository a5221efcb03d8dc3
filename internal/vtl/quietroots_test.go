package vtl

import "testing"

// QuietRoots: API Gateway prints an undefined $stageVariables.x (and
// $context.x) as "", where Velocity prints the reference text.
func TestQuietRoots(t *testing.T) {
	tpl := `a=$stageVariables.x b=${stageVariables.x} c=$stageVariables.get("x") d=$context.nope.deeper e=$other.x f=\$stageVariables.x g="$stageVariables.x" h=#if($stageVariables.x)set#{else}unset#end i=$stageVariables.y`
	want := map[bool]string{
		false: `a=$stageVariables.x b=${stageVariables.x} c=$stageVariables.get("x") d=$context.nope.deeper e=$other.x f=\$stageVariables.x g="$stageVariables.x" h=unset i=Y`,
		true:  `a= b= c= d= e=$other.x f=\$stageVariables.x g="" h=unset i=Y`,
	}
	for _, quiet := range []bool{false, true} {
		ctx := &Context{Vars: NewVars(nil, map[string]any{}, map[string]string{"y": "Y"})}
		if quiet {
			ctx.QuietRoots = []string{"stageVariables", "context"}
		}
		out, err := MustParse("t", tpl).Render(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if out != want[quiet] {
			t.Errorf("quiet=%v:\n got %s\nwant %s", quiet, out, want[quiet])
		}
	}
}

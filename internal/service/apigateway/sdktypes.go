package apigateway

import (
	"context"

	api "github.com/stagecraft/stagecraft/internal/api/apigateway"
)

// SDK types: the fixed list of client SDKs API Gateway generates
// (GetSdkTypes, GetSdkType). GetSdk itself, which would generate the
// client code, is not implemented (501).
//
// Provenance. The ids and the properties marked required are AWS's
// documentation of GetSdk [D: "For sdkType of objectivec or swift, a
// parameter named classPrefix is required. For sdkType of android,
// parameters named groupId, artifactId, artifactVersion, and
// invokerPackage are required. For sdkType of java, parameters named
// serviceName and javaPackageName are required."]; the optional Java
// and Ruby properties are the developer guide's ("Generate the Java SDK
// of an API", the Ruby SDK announcement: Service Name, Ruby Gem Name,
// Ruby Gem Version) [D]. The friendly names and descriptions are worded
// after the console's platform labels [?: AWS's exact text is not
// published], as are the default values.

func sdkProp(name, friendly, desc string, required bool, def string) api.SdkConfigurationProperty {
	p := api.SdkConfigurationProperty{Name: ptr(name), FriendlyName: ptr(friendly), Description: ptr(desc), Required: ptr(required)}
	if def != "" {
		p.DefaultValue = ptr(def)
	}
	return p
}

// sdkTypes is in id order (the paging key).
var sdkTypes = []api.SdkType{
	{Id: ptr("android"), FriendlyName: ptr("Android"), Description: ptr("Java SDK for Android"),
		ConfigurationProperties: []api.SdkConfigurationProperty{
			sdkProp("groupId", "Group ID", "The group ID of the generated Maven artifact", true, ""),
			sdkProp("artifactId", "Artifact ID", "The artifact ID of the generated Maven artifact", true, ""),
			sdkProp("artifactVersion", "Artifact Version", "The version of the generated Maven artifact", true, ""),
			sdkProp("invokerPackage", "Invoker Package", "The package of the generated client classes", true, ""),
		}},
	{Id: ptr("java"), FriendlyName: ptr("Java"), Description: ptr("Java SDK"),
		ConfigurationProperties: []api.SdkConfigurationProperty{
			sdkProp("serviceName", "Service Name", "The name of the generated client class", true, ""),
			sdkProp("javaPackageName", "Java Package Name", "The package of the generated classes", true, ""),
			sdkProp("javaBuildSystem", "Java Build System", "The build system of the generated project (maven or gradle)", false, "maven"),
			sdkProp("javaGroupId", "Java Group Id", "The group ID of the generated artifact", false, ""),
			sdkProp("javaArtifactId", "Java Artifact Id", "The artifact ID of the generated artifact", false, ""),
			sdkProp("javaArtifactVersion", "Java Artifact Version", "The version of the generated artifact", false, "1.0.0"),
		}},
	{Id: ptr("javascript"), FriendlyName: ptr("JavaScript"), Description: ptr("JavaScript SDK"),
		ConfigurationProperties: []api.SdkConfigurationProperty{}},
	{Id: ptr("objectivec"), FriendlyName: ptr("iOS (Objective-C)"), Description: ptr("Objective-C SDK for iOS"),
		ConfigurationProperties: []api.SdkConfigurationProperty{
			sdkProp("classPrefix", "Prefix", "The prefix of the generated class names", true, ""),
		}},
	{Id: ptr("ruby"), FriendlyName: ptr("Ruby"), Description: ptr("Ruby SDK"),
		ConfigurationProperties: []api.SdkConfigurationProperty{
			sdkProp("service.name", "Service Name", "The Ruby gem namespace of the API", true, ""),
			sdkProp("ruby.gem-name", "Ruby Gem Name", "The name of the generated Ruby gem", false, ""),
			sdkProp("ruby.gem-version", "Ruby Gem Version", "The version of the generated Ruby gem", false, "1.0.0"),
		}},
	{Id: ptr("swift"), FriendlyName: ptr("iOS (Swift)"), Description: ptr("Swift SDK for iOS"),
		ConfigurationProperties: []api.SdkConfigurationProperty{
			sdkProp("classPrefix", "Prefix", "The prefix of the generated class names", true, ""),
		}},
}

func errNoSdkType() error { return notFound("Invalid SDK type identifier specified") } // [?] wording

func (s *Service) GetSdkTypes(ctx context.Context, in *api.GetSdkTypesRequest) (*api.SdkTypes, error) {
	items, next, err := acctPage(sdkTypes, func(t api.SdkType) string { return *t.Id }, in.Position, in.Limit)
	if err != nil {
		return nil, err
	}
	return &api.SdkTypes{Items: append([]api.SdkType{}, items...), Position: next}, nil
}

func (s *Service) GetSdkType(ctx context.Context, in *api.GetSdkTypeRequest) (*api.SdkType, error) {
	for i := range sdkTypes {
		if *sdkTypes[i].Id == in.Id {
			t := sdkTypes[i]
			return &t, nil
		}
	}
	return nil, errNoSdkType()
}
